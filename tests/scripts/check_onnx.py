#!/usr/bin/env python3
"""Validates ONNX files exported by MultiHeadClassifier with the onnx package's own checker.

    python3 tests/scripts/check_onnx.py model.onnx [more.onnx ...]

For each file: onnx.checker.check_model with full_check (which also runs strict shape inference), then checks
that the graph has the exporter's contract: one float32 input 'features' [N, F], opset 17 or newer, one [N, K]
output per head named in the 'heads' metadata (plus '<head>_probabilities' when the metadata says so), and the
metadata keys the README lists. Exits 1 naming the file and the problem, 0 when every file passes.
Uses only Debian's python3-onnx (1.12 on Debian 12).
"""
import json
import sys

import onnx
from onnx import TensorProto

REQUIRED_METADATA = ["library_version", "feature_count", "heads", "head_kinds", "classes", "class_weights",
                     "priors", "temperatures", "standardization", "imputation", "ensemble_size", "outputs"]


def dims(value_info):
    return [d.dim_value if d.HasField("dim_value") else d.dim_param
            for d in value_info.type.tensor_type.shape.dim]


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    opset = {o.domain: o.version for o in model.opset_import}
    if opset.get("", 0) < 17:
        raise ValueError(f"opset {opset.get('', 0)} is older than 17")
    metadata = {p.key: p.value for p in model.metadata_props}
    missing = [k for k in REQUIRED_METADATA if k not in metadata]
    if missing:
        raise ValueError(f"metadata_props lack {', '.join(missing)}")
    graph = model.graph
    if [i.name for i in graph.input] != ["features"]:
        raise ValueError(f"inputs are {[i.name for i in graph.input]}, not ['features']")
    features = graph.input[0]
    if features.type.tensor_type.elem_type != TensorProto.FLOAT:
        raise ValueError("input 'features' is not float32")
    if dims(features) != ["N", int(metadata["feature_count"])]:
        raise ValueError(f"input 'features' has shape {dims(features)}")
    heads = json.loads(metadata["heads"])
    classes = json.loads(metadata["classes"])
    expected = list(heads)
    if "probabilities_correction" in metadata:
        expected += [h + "_probabilities" for h in heads]
    outputs = {o.name: o for o in inferred.graph.output}
    if list(outputs) != expected or json.loads(metadata["outputs"]) != expected:
        raise ValueError(f"outputs are {list(outputs)}, expected {expected}")
    for name, output in outputs.items():
        head = name[: -len("_probabilities")] if name.endswith("_probabilities") else name
        if dims(output) != ["N", len(classes[head])]:
            raise ValueError(f"output '{name}' has shape {dims(output)}, expected ['N', {len(classes[head])}]")
    ops = sorted({n.op_type for n in graph.node})
    if "Dropout" in ops:
        raise ValueError("the graph has a Dropout node")
    print(f"{path}: valid (onnx {onnx.__version__} checker, IR {model.ir_version}, opset {opset['']}, "
          f"outputs {', '.join(expected)}; ops {', '.join(ops)})")


def main(paths):
    if not paths:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    for path in paths:
        try:
            check(path)
        except Exception as e:  # noqa: BLE001 - every failure is reported the same way
            print(f"{path}: INVALID: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
