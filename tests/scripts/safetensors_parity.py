#!/usr/bin/env python3
"""PyTorch parity for MultiHeadClassifier's safetensors export, with Debian's python3-torch (1.13) only.

    python3 tests/scripts/safetensors_parity.py check --model model.safetensors --features data.csv --expected logits.csv
        Loads the exported pair (model.safetensors + model.json) into the PyTorch module below, runs it on the
        feature columns of data.csv (every column that is not a head) and compares its logits with
        logits.csv (columns <head>_<class>, as `mhc predict --output logits` writes them). Exits 1 when any
        |difference| exceeds 1e-5.

    python3 tests/scripts/safetensors_parity.py write --out DIR [--seed N]
        Builds the module in PyTorch with random weights, standardisation, class weights and temperatures and
        writes DIR/model.safetensors + DIR/model.json (a pair the .NET library imports), DIR/features.csv and
        DIR/expected.csv (PyTorch's logits for those rows).

The safetensors reader and writer here are a few lines of json and struct: the format is public and holds no
code. The module is the one the README shows.
"""
import argparse
import csv
import hashlib
import json
import os
import struct
import sys

import torch

TOLERANCE = 1e-5
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
ACTIVATIONS = {"relu": torch.nn.ReLU, "gelu": torch.nn.GELU, "tanh": torch.nn.Tanh, "silu": torch.nn.SiLU}


class MultiHeadNetwork(torch.nn.Module):
    """The library's network: an MLP backbone and one fused linear layer holding every head's rows."""

    def __init__(self, input_width, hidden_sizes, class_counts, activation="relu", layer_norm=False, dropout=0.0):
        super().__init__()
        layers, width = [], input_width
        for size in hidden_sizes:
            layers.append(torch.nn.Linear(width, size))
            if layer_norm:
                layers.append(torch.nn.LayerNorm(size))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(torch.nn.Dropout(dropout))
            width = size
        self.backbone = torch.nn.Module()
        self.backbone.layers = torch.nn.Sequential(*layers)  # state-dict keys backbone.layers.<i>.weight/bias
        self.heads = torch.nn.Linear(width, sum(class_counts))  # heads.weight [sum K, width], heads.bias [sum K]
        self.class_counts = list(class_counts)

    def forward(self, standardized):
        """Raw logits per head, in head order, from features already standardised as (x - mean) / scale."""
        return self.heads(self.backbone.layers(standardized)).split(self.class_counts, dim=1)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    buffer = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        raw = bytearray(buffer[begin:end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, metadata, buffer


def load_pair(path):
    """The module, sidecar and standardisation of an exported pair, with the pair's hashes checked."""
    sidecar_path = os.path.splitext(path)[0] + ".json"
    tensors, metadata, buffer = read_safetensors(path)
    with open(sidecar_path, "rb") as f:
        sidecar_bytes = f.read()
    if metadata.get("mhc.sidecar_sha256") != hashlib.sha256(sidecar_bytes).hexdigest():
        raise ValueError(f"{sidecar_path} does not match {path}")
    sidecar = json.loads(sidecar_bytes)
    if hashlib.sha256(buffer).hexdigest() != sidecar["tensors_sha256"]:
        raise ValueError(f"the tensor data of {path} does not match its sidecar")
    backbone = sidecar["backbone"]
    model = MultiHeadNetwork(sidecar["input_width"], backbone["hidden_sizes"],
                             [h["class_count"] for h in sidecar["heads"]], backbone["activation"],
                             backbone["layer_norm"], backbone["dropout"])
    model.load_state_dict(tensors, strict=True)
    model.eval()
    return model, sidecar


def standardize(sidecar, x):
    s = sidecar["standardizer"]
    if s is None:
        return x
    return (x - torch.tensor(s["means"], dtype=torch.float32)) / torch.tensor(s["scales"], dtype=torch.float32)


def write_pair(directory, model, sidecar):
    """Writes model.safetensors and model.json so that each records the other's SHA-256, as the library does."""
    names, blobs, entries, offset = [], [], {}, 0
    for name, tensor in model.state_dict().items():
        blob = tensor.detach().contiguous().numpy().tobytes()
        entries[name] = {"dtype": DTYPE_NAMES[tensor.dtype], "shape": list(tensor.shape),
                         "data_offsets": [offset, offset + len(blob)]}
        names.append(name)
        blobs.append(blob)
        offset += len(blob)
    data = b"".join(blobs)
    sidecar = dict(sidecar, tensors_sha256=hashlib.sha256(data).hexdigest(),
                   tensors=[dict(name=n, **entries[n]) for n in names])
    sidecar_bytes = json.dumps(sidecar, indent=2).encode("utf-8")
    header = dict(__metadata__={"format": "pt", "mhc.sidecar_sha256": hashlib.sha256(sidecar_bytes).hexdigest()},
                  **entries)
    header_bytes = json.dumps(header).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(os.path.join(directory, "model.json"), "wb") as f:
        f.write(sidecar_bytes)
    with open(os.path.join(directory, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)) + header_bytes + data)


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def check(args):
    model, sidecar = load_pair(args.model)
    heads = [h["name"] for h in sidecar["heads"]]
    header, rows = read_csv(args.features)
    columns = [i for i, name in enumerate(header) if name not in heads]
    if len(columns) != sidecar["input_width"]:
        raise ValueError(f"{args.features} has {len(columns)} feature columns, the model {sidecar['input_width']}")
    x = torch.tensor([[float(r[i]) for i in columns] for r in rows], dtype=torch.float32)
    with torch.no_grad():
        logits = dict(zip(heads, model(standardize(sidecar, x))))
    expected_header, expected_rows = read_csv(args.expected)
    index = {name: i for i, name in enumerate(expected_header)}
    worst, where = 0.0, None
    for head, h in zip(heads, sidecar["heads"]):
        expected = torch.tensor([[float(r[index[f"{head}_{c}"]]) for c in range(h["class_count"])]
                                 for r in expected_rows], dtype=torch.float64)
        difference = (logits[head].double() - expected).abs().max().item()
        if difference > worst:
            worst, where = difference, head
    print(f"{args.model}: PyTorch {torch.__version__} logits of {len(rows)} rows x {len(heads)} heads; "
          f"largest |difference| {worst:.3g}{f' (head {where})' if where else ''}, tolerance {TOLERANCE}")
    return 0 if worst <= TOLERANCE else 1


def write(args):
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    input_width, hidden, activation, layer_norm, dropout = 6, [10, 7], "gelu", True, 0.1
    heads = [("story", 4), ("pace", 3), ("score", 5)]
    model = MultiHeadNetwork(input_width, hidden, [k for _, k in heads], activation, layer_norm, dropout)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and "layers.1" in name:
                p.uniform_(0.5, 1.5)  # LayerNorm scales away from 1, so that they matter
            elif name.endswith("bias"):
                p.uniform_(-0.5, 0.5)
    model.eval()
    means = (torch.randn(input_width) * 3).tolist()
    scales = (torch.rand(input_width) * 2 + 0.5).tolist()
    class_weights = {n: (torch.rand(k) * 2 + 0.2).tolist() for n, k in heads}
    sidecar = {
        "format": "multiheadclassifier-safetensors", "format_version": 1, "library_version": "pytorch",
        "input_width": input_width,
        "heads": [{"name": n, "class_count": k, "class_names": [f"c{c}" for c in range(k)],
                   "weighting": {"name": "explicit", "beta": 0, "smoothing": 0, "weights": class_weights[n]},
                   "loss_weight": 1.0} for n, k in heads],
        "backbone": {"hidden_sizes": hidden, "activation": activation, "dropout": dropout, "layer_norm": layer_norm},
        "backbone_output_width": hidden[-1], "standardize_features": True,
        "standardizer": {"means": means, "scales": scales},
        "class_weights": class_weights, "fitted_on": None,
        "temperatures": {"per_head": {n: 1.0 + 0.25 * i for i, (n, _) in enumerate(heads)},
                         "after_prior_correction": True, "fitted_on": None},
    }
    write_pair(args.out, model, sidecar)
    x = (torch.randn(257, input_width) * torch.tensor(scales) * 2 + torch.tensor(means)).float()
    with torch.no_grad():
        logits = model(standardize(sidecar, x))
    with open(os.path.join(args.out, "features.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([f"x{j}" for j in range(input_width)])
        writer.writerows([[repr(v) for v in row] for row in x.double().tolist()])
    with open(os.path.join(args.out, "expected.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([f"{n}_{c}" for n, k in heads for c in range(k)])
        rows = torch.cat(logits, dim=1).double().tolist()
        writer.writerows([[repr(v) for v in row] for row in rows])
    print(f"wrote {args.out}/model.safetensors, model.json, features.csv and expected.csv with PyTorch {torch.__version__}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("check")
    c.add_argument("--model", required=True)
    c.add_argument("--features", required=True)
    c.add_argument("--expected", required=True)
    w = commands.add_parser("write")
    w.add_argument("--out", required=True)
    w.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    return check(args) if args.command == "check" else write(args)


if __name__ == "__main__":
    sys.exit(main())
