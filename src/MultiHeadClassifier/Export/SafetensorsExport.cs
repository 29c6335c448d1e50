using System.Security.Cryptography;
using System.Text.Json;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Export;

/// <summary>
/// Exports a model's weights as a safetensors file that PyTorch reads, with a JSON sidecar holding everything else
/// the model holds, and builds a model back from such a pair, including one written by PyTorch:
/// <c>model.ExportSafetensors(path)</c> and <c>MultiHeadModel.ImportSafetensors(path)</c> with
/// <c>using MultiHeadClassifier.Export;</c>. Thread-safe for models that are not being trained.
/// </summary>
/// <remarks>
/// <para>
/// The safetensors file holds the network's state dict under its TorchSharp names: for the built-in backbone
/// <c>backbone.layers.&lt;i&gt;.weight</c> [out, in] and <c>.bias</c> [out] for each <c>Linear</c> and
/// <c>LayerNorm</c> (i counts every module of the sequence, activations and dropout included, as
/// <c>torch.nn.Sequential</c> does), then <c>heads.weight</c> [ΣK, width] and <c>heads.bias</c> [ΣK], all float32.
/// Its <c>__metadata__</c> has <c>format: pt</c> and <c>mhc.sidecar_sha256</c>.
/// </para>
/// <para>
/// The sidecar, <see cref="SidecarPath"/> (the same name with the extension <c>.json</c>), holds the heads, the
/// backbone configuration, the standardisation, the class weights, the temperatures and the fingerprints of the
/// data they came from, the SHA-256 of the safetensors data and its table of tensors. The two files bind each
/// other, so a truncated or altered file of either is an <see cref="InvalidDataException"/> naming it. Reading
/// parses JSON and copies bytes; nothing in either file is executed (no pickle).
/// </para>
/// </remarks>
public static class SafetensorsExport
{
    private const string SidecarHashKey = "mhc.sidecar_sha256";

    private static readonly Dictionary<ScalarType, string> Dtypes = new()
    {
        [ScalarType.Float32] = "F32",
        [ScalarType.Float64] = "F64",
        [ScalarType.Float16] = "F16",
        [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16",
        [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8",
        [ScalarType.Bool] = "BOOL",
    };

    /// <summary><see cref="MultiHeadModel"/>'s safetensors export and import.</summary>
    /// <param name="model">The model.</param>
    extension(MultiHeadModel model)
    {
        /// <summary>
        /// Writes the model's state dict to <paramref name="path"/> (safetensors) and everything else it holds to
        /// <see cref="SidecarPath"/>, each atomically.
        /// </summary>
        /// <param name="path">The safetensors file, conventionally <c>*.safetensors</c>; its folder must exist.</param>
        /// <exception cref="ArgumentException"><paramref name="path"/> ends in <c>.json</c>, the sidecar's extension.</exception>
        /// <exception cref="NotSupportedException">A tensor of the state dict has a dtype safetensors does not name.</exception>
        /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
        public void ExportSafetensors(string path)
        {
            ArgumentNullException.ThrowIfNull(model);
            Export(model, path);
        }

        /// <summary>
        /// Builds a model from a safetensors file and its sidecar, as written by <c>ExportSafetensors</c> or by
        /// PyTorch for the documented architecture (see <c>tests/scripts/safetensors_parity.py</c>).
        /// </summary>
        /// <param name="path">The safetensors file; its sidecar is <see cref="SidecarPath"/>.</param>
        /// <param name="customBackbone">For a model with a custom backbone: a factory for an untrained instance whose tensors are then loaded. Default null.</param>
        /// <param name="device">The device to load onto. Default "cpu".</param>
        /// <returns>The model, predicting as the exported one did.</returns>
        /// <exception cref="FileNotFoundException">Either file does not exist.</exception>
        /// <exception cref="InvalidDataException">Either file is truncated, altered, malformed or does not match the other; the message names the file.</exception>
        /// <exception cref="ArgumentException">The model has a custom backbone and no factory was given.</exception>
        public static MultiHeadModel ImportSafetensors(string path, Func<nn.Module<Tensor, Tensor>>? customBackbone = null, string device = "cpu") =>
            Import(path, customBackbone, device);
    }

    /// <summary>The sidecar of a safetensors file: the same path with the extension <c>.json</c>.</summary>
    /// <param name="path">The safetensors file.</param>
    /// <returns>The sidecar's path, e.g. <c>model.json</c> for <c>model.safetensors</c>.</returns>
    public static string SidecarPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Path.ChangeExtension(path, ".json");
    }

    private static void Export(MultiHeadModel model, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (string.Equals(Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{path}' ends in .json, the extension of the sidecar written beside it; name the safetensors file *.safetensors.", nameof(path));
        }

        model.ThrowIfDisposed();
        var tensors = new List<(string Name, string Dtype, long[] Shape, byte[] Data)>();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (var (name, tensor) in model.Network.state_dict())
            {
                if (!Dtypes.TryGetValue(tensor.dtype, out string? dtype))
                {
                    throw new NotSupportedException($"Tensor '{name}' has dtype {tensor.dtype}, which this exporter does not write to safetensors.");
                }

                tensors.Add((name, dtype, tensor.shape, tensor.detach().cpu().contiguous().bytes.ToArray()));
            }
        }

        var layout = SafetensorsFile.Layout(tensors);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var tensor in tensors)
        {
            hash.AppendData(tensor.Data);
        }

        var sidecar = new SafetensorsSidecar(
            SafetensorsSidecar.FormatName,
            SafetensorsSidecar.CurrentVersion,
            LibraryInfo.Version,
            model.InputWidth,
            [.. model.Heads.Select(h => new SidecarHead(h.Name, h.ClassCount, [.. h.ClassNames], SidecarWeighting.From(h.Weighting), h.LossWeight, SidecarHead.NameOf(h.Loss)))],
            model.BackboneOptions is { } b ? new SidecarBackbone([.. b.HiddenSizes], ActivationName(b.Activation), b.Dropout, b.LayerNorm) : null,
            model.BackboneOutputWidth,
            model.Options.StandardizeFeatures,
            model.Standardizer is { } s ? new SidecarStandardizer([.. s.Means], [.. s.Scales]) : null,
            model.ClassWeights?.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal),
            model.FittedOn,
            model.Temperatures is { } t ? new SidecarTemperatures(t.PerHead.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), t.AfterPriorCorrection, t.FittedOn) : null,
            Convert.ToHexStringLower(hash.GetHashAndReset()),
            [.. layout.Select(e => new SidecarTensor(e.Name, e.Dtype, e.Shape, [e.Begin, e.End]))],
            model.ClassPriors?.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal));
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(sidecar, SafetensorsSidecar.Json);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            [SidecarHashKey] = Convert.ToHexStringLower(SHA256.HashData(json)),
        };

        AtomicFile.Write(SidecarPath(path), stream => stream.Write(json));
        AtomicFile.Write(path, stream => SafetensorsFile.Write(stream, tensors, metadata));
    }

    private static MultiHeadModel Import(string path, Func<nn.Module<Tensor, Tensor>>? customBackbone, string device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string sidecarPath = SidecarPath(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Safetensors file '{path}' not found.", path);
        }

        if (!File.Exists(sidecarPath))
        {
            throw new FileNotFoundException($"The sidecar '{sidecarPath}' of '{path}' not found; an exported model is the pair of both files.", sidecarPath);
        }

        var file = SafetensorsFile.Parse(File.ReadAllBytes(path), path);
        byte[] json = File.ReadAllBytes(sidecarPath);
        if (!file.Metadata.TryGetValue(SidecarHashKey, out string? expectedSidecarHash))
        {
            throw new InvalidDataException($"'{path}' has no '{SidecarHashKey}' in its __metadata__, so it is not one half of an exported pair (see tests/scripts/safetensors_parity.py for writing one from PyTorch).");
        }

        if (!string.Equals(expectedSidecarHash, Convert.ToHexStringLower(SHA256.HashData(json)), StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The sidecar '{sidecarPath}' does not match '{path}' (its SHA-256 differs from the one the safetensors file records): the sidecar was altered or truncated, or the two come from different exports.");
        }

        SafetensorsSidecar sidecar;
        try
        {
            sidecar = JsonSerializer.Deserialize<SafetensorsSidecar>(json, SafetensorsSidecar.Json)
                ?? throw new InvalidDataException($"The sidecar '{sidecarPath}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The sidecar '{sidecarPath}' is not valid: {e.Message}", e);
        }

        CheckSidecar(sidecar, sidecarPath);
        CheckTensors(file, sidecar, path);
        var model = Rebuild(sidecar, sidecarPath, customBackbone, device);
        try
        {
            LoadTensors(model, file, path);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    private static void CheckSidecar(SafetensorsSidecar sidecar, string sidecarPath)
    {
        string? problem = sidecar switch
        {
            { Format: not SafetensorsSidecar.FormatName } => $"format '{sidecar.Format}' is not '{SafetensorsSidecar.FormatName}'",
            { FormatVersion: not SafetensorsSidecar.CurrentVersion } => $"format_version {sidecar.FormatVersion} is not {SafetensorsSidecar.CurrentVersion}, the one this library reads",
            { InputWidth: <= 0 } => "input_width is not positive",
            { BackboneOutputWidth: <= 0 } => "backbone_output_width is not positive",
            { Heads.Count: 0 } => "there are no heads",
            _ when sidecar.Heads.Any(h => h is null) || sidecar.Tensors.Any(t => t is null) => "a head or tensor entry is null",
            _ when sidecar.ClassWeights is { } w && (w.Count != sidecar.Heads.Count || sidecar.Heads.Any(h => !w.TryGetValue(h.Name, out var v) || v.Length != h.ClassCount || v.Any(x => !float.IsFinite(x) || x <= 0))) => "class_weights do not match the heads or are not positive",
            _ when sidecar.Standardizer is { } s && (s.Means.Count != sidecar.InputWidth || s.Scales.Count != sidecar.InputWidth) => "the standardizer does not match input_width",
            _ when sidecar.Backbone is { } b && ActivationOf(b.Activation) is null => $"backbone activation '{sidecar.Backbone.Activation}' is not relu, gelu, tanh or silu",
            _ => null,
        };
        if (problem is not null)
        {
            throw new InvalidDataException($"The sidecar '{sidecarPath}' is not valid: {problem}.");
        }
    }

    /// <summary>The safetensors header must list exactly the sidecar's tensors, and its data must hash to the sidecar's SHA-256.</summary>
    private static void CheckTensors(SafetensorsFile file, SafetensorsSidecar sidecar, string path)
    {
        var expected = sidecar.Tensors.OrderBy(t => t.DataOffsets.FirstOrDefault()).Select(t => $"{t.Name}:{t.Dtype}[{string.Join(",", t.Shape)}]@{string.Join("-", t.DataOffsets)}");
        var actual = file.Entries.Select(e => $"{e.Name}:{e.Dtype}[{string.Join(",", e.Shape)}]@{e.Begin}-{e.End}");
        if (!expected.SequenceEqual(actual))
        {
            throw new InvalidDataException($"'{path}' does not hold the tensors its sidecar lists (names, dtypes, shapes and offsets differ): it was altered, or the two come from different exports.");
        }

        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(file.Data.Span)), sidecar.TensorsSha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The tensor data of '{path}' does not match the SHA-256 its sidecar records: the file was altered or damaged.");
        }
    }

    private static MultiHeadModel Rebuild(SafetensorsSidecar sidecar, string sidecarPath, Func<nn.Module<Tensor, Tensor>>? customBackbone, string device)
    {
        MultiHeadModel? model = null;
        try
        {
            var heads = sidecar.Heads.Select(h => new HeadDefinition(h.Name, h.ClassCount, h.ClassNames, h.Weighting.ToWeighting(), h.LossWeight, h.ToLoss())).ToList();
            var backbone = sidecar.Backbone is { } b
                ? new MlpBackboneOptions { HiddenSizes = [.. b.HiddenSizes], Activation = ActivationOf(b.Activation)!.Value, Dropout = b.Dropout, LayerNorm = b.LayerNorm }
                : null;
            var options = new MultiHeadModelOptions { Backbone = backbone ?? new MlpBackboneOptions(), StandardizeFeatures = sidecar.StandardizeFeatures, Device = device };
            if (backbone is not null)
            {
                model = MultiHeadModel.Create(sidecar.InputWidth, heads, options);
                if (model.BackboneOutputWidth != sidecar.BackboneOutputWidth)
                {
                    throw new InvalidDataException($"The sidecar '{sidecarPath}' is not valid: backbone_output_width {sidecar.BackboneOutputWidth} does not match the backbone's {model.BackboneOutputWidth}.");
                }
            }
            else
            {
                if (customBackbone is null)
                {
                    throw new ArgumentException($"'{sidecarPath}' describes a model with a custom backbone; pass a factory for an untrained instance of it so that its tensors can be loaded.", nameof(customBackbone));
                }

                model = MultiHeadModel.Create(sidecar.InputWidth, heads, customBackbone(), sidecar.BackboneOutputWidth, options);
            }

            var standardizer = sidecar.Standardizer is { } s ? new FeatureStandardizer(s.Means, s.Scales) : null;
            model.SetTrainingState(sidecar.ClassWeights?.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), standardizer, sidecar.FittedOn, sidecar.ClassPriors);
            model.Temperatures = sidecar.Temperatures is { } t ? new FittedTemperatures(t.PerHead, t.AfterPriorCorrection, t.FittedOn) : null;
            return model;
        }
        catch (Exception e) when (e is ArgumentException { ParamName: not nameof(customBackbone) } or KeyNotFoundException
            || (e is InvalidDataException && !e.Message.Contains(sidecarPath, StringComparison.Ordinal)))
        {
            model?.Dispose();
            throw new InvalidDataException($"The sidecar '{sidecarPath}' is not valid: {e.Message}", e);
        }
        catch
        {
            model?.Dispose();
            throw;
        }
    }

    /// <summary>Copies each tensor into the model's state dict, which must have exactly the file's names, dtypes and shapes.</summary>
    private static void LoadTensors(MultiHeadModel model, SafetensorsFile file, string path)
    {
        var byName = file.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var state = model.Network.state_dict();
        var extra = byName.Keys.Except(state.Keys, StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            throw new InvalidDataException($"'{path}' has tensors the model does not: {string.Join(", ", extra)}.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, target) in state)
        {
            if (!byName.TryGetValue(name, out var entry))
            {
                throw new InvalidDataException($"'{path}' lacks tensor '{name}', which the model needs.");
            }

            if (!Dtypes.TryGetValue(target.dtype, out string? dtype) || dtype != entry.Dtype || !entry.Shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException($"'{path}' has tensor '{name}' as {entry.Dtype} [{string.Join(", ", entry.Shape)}], but the model needs {dtype ?? target.dtype.ToString()} [{string.Join(", ", target.shape)}].");
            }

            var source = empty(entry.Shape, target.dtype, CPU);
            file.Data.Span[(int)entry.Begin..(int)entry.End].CopyTo(source.bytes);
            target.copy_(source);
        }

        model.Network.eval();
    }

    private static string ActivationName(Activation activation) => activation switch
    {
        Activation.GELU => "gelu",
        Activation.Tanh => "tanh",
        Activation.SiLU => "silu",
        _ => "relu",
    };

    private static Activation? ActivationOf(string name) => name switch
    {
        "relu" => Activation.ReLU,
        "gelu" => Activation.GELU,
        "tanh" => Activation.Tanh,
        "silu" => Activation.SiLU,
        _ => null,
    };
}
