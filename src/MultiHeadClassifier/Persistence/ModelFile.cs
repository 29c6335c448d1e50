using System.Text.Json;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Persistence;

/// <summary>
/// Reads and writes <see cref="MultiHeadModel"/> files: <c>model.Save(path)</c> and
/// <c>MultiHeadModel.Load(path)</c> with <c>using MultiHeadClassifier.Persistence;</c>, or the static methods
/// here. Thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// File layout (little-endian): the 8 ASCII bytes <c>MHCMODEL</c>; the format version (int32, currently
/// <see cref="FormatVersion"/>); the length (int32) and UTF-8 bytes of a JSON document with the head
/// definitions, class weights, backbone configuration, standardisation, temperatures and library version;
/// the length (int64) and bytes of the TorchSharp state dict (keys <c>backbone.…</c>, <c>heads.weight</c>, <c>heads.bias</c>);
/// and the SHA-256 of everything after the version, checked before anything is interpreted.
/// </para>
/// <para>
/// Versions: 3 names class weightings as their factory methods do (<c>inverse-sqrt</c>, <c>effective-number</c>);
/// 2, the first released format, wrote <c>sqrt</c> and <c>effective</c> and is still read. Version 1, from
/// pre-release builds, stored one weight tensor per head and is refused with a message.
/// </para>
/// <para>
/// Saving is atomic: the file is written to a temporary file in the same folder, flushed to disk and renamed
/// over the target, so a crash during a save never leaves a corrupt file where a good one was.
/// </para>
/// <para>
/// Loading proves the file self-consistent before it allocates anything for it, so that a file edited on purpose
/// (the checksum can be recomputed by anyone) is an <see cref="InvalidDataException"/> naming the file and the
/// field, never a process abort or an attempt to allocate what the file does not hold. Every metadata field must be
/// present, finite and within the bounds below (<see cref="MaxInputWidth"/>, <see cref="MaxHiddenWidth"/>,
/// <see cref="MaxHiddenLayerCount"/>, <see cref="MaxClassCount"/>, <see cref="MaxTotalClassCount"/>,
/// <see cref="MaxParameterCount"/>); the architecture it describes implies an exact list of state-dict keys, element
/// types and shapes, which the state dict's own declarations, read without creating a tensor, must match key for key,
/// with exactly the bytes those shapes need and nothing after them; and every weight must be finite. Only then is the
/// model built, and its size is then paid for by bytes already in the file. Saving refuses a model that loading would
/// refuse, with an <see cref="ArgumentException"/>.
/// </para>
/// </remarks>
public static class ModelFile
{
    /// <summary>The file format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 3;

    /// <summary>The oldest file format version this library reads.</summary>
    public const int OldestFormatVersion = 2;

    /// <summary>The most input features a model file may declare (<c>InputWidth</c>): 1,048,576 (2^20).</summary>
    /// <remarks>
    /// Tabular data has tens to thousands of columns; a million leaves room for hashed or one-hot encoded features
    /// while still refusing widths that only an edited file has.
    /// </remarks>
    public const int MaxInputWidth = 1 << 20;

    /// <summary>The widest layer a model file may declare: each of <c>Backbone.HiddenSizes</c>, and a custom backbone's output width. 65,536 (2^16).</summary>
    /// <remarks>
    /// Real MLP layers have tens to a few thousand units. A square layer of this width already has 2^32 weights, far
    /// beyond <see cref="MaxParameterCount"/>, so no model this library can load needs a wider one.
    /// </remarks>
    public const int MaxHiddenWidth = 1 << 16;

    /// <summary>The most hidden layers the built-in backbone may declare (<c>Backbone.HiddenSizes.Count</c>): 256.</summary>
    /// <remarks>
    /// A plain MLP stops improving after a handful of layers and does not train at depth without residual
    /// connections, which this backbone does not have; 256 allows any real configuration while bounding the number of
    /// modules built for a file.
    /// </remarks>
    public const int MaxHiddenLayerCount = 256;

    /// <summary>The most classes one head may declare (<c>Heads[i].ClassCount</c>): 65,536 (2^16).</summary>
    /// <remarks>
    /// An ordinal rating has a handful of classes, and <c>mhc train</c> infers at most 1,000 without <c>--classes</c>;
    /// the bound is far above both and far below what an edited count asks for.
    /// </remarks>
    public const int MaxClassCount = 1 << 16;

    /// <summary>The most classes all heads together may declare (ΣK, the head layer's output width): 1,048,576 (2^20).</summary>
    /// <remarks>Sixteen heads at <see cref="MaxClassCount"/>, or thousands of ordinary heads.</remarks>
    public const int MaxTotalClassCount = 1 << 20;

    /// <summary>
    /// The most parameters the architecture in a model file may have (every weight and bias; with a custom backbone,
    /// those of the head layer): 536,870,912 (2^29), 2 GiB of float32.
    /// </summary>
    /// <remarks>
    /// A model file is read into memory as one .NET array, which holds at most <see cref="Array.MaxLength"/> (just
    /// under 2^31) bytes, so no file can hold more float32 weights than this anyway: the bound says so before
    /// anything is allocated, rather than after. The weights themselves are checked against the architecture too, so
    /// a loaded model never allocates more than the file's own bytes pay for.
    /// </remarks>
    public const long MaxParameterCount = 1L << 29;

    private static readonly byte[] Magic = "MHCMODEL"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    // A file this library writes has every property once. A repeated one is ambiguous (other readers may take the
    // first where this one takes the last), and a missing head or weighting field would silently become 0.
    private static readonly JsonSerializerOptions ReadJson = new() { AllowDuplicateProperties = false, RespectRequiredConstructorParameters = true };

    /// <summary><see cref="MultiHeadModel"/>'s file members.</summary>
    /// <param name="model">The model.</param>
    extension(MultiHeadModel model)
    {
        /// <summary>
        /// Loads a model saved with <see cref="Save"/>: <c>MultiHeadModel.Load(path)</c>, or
        /// <c>ModelFile.Load(path)</c>.
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="customBackbone">For a model saved with a custom backbone: a factory for an untrained instance whose weights are then loaded from the file.</param>
        /// <param name="device">The device to load onto. Default "cpu".</param>
        /// <returns>The model, with identical logits to the saved one.</returns>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">
        /// The file is not a model, is truncated, has a newer format version, or is not self-consistent: a metadata
        /// field is missing, not finite or beyond a bound (<see cref="MaxHiddenWidth"/> and the others), or the
        /// weights do not declare exactly the architecture the metadata describes. The message names the file and the field.
        /// </exception>
        /// <exception cref="ArgumentException">The model has a custom backbone and no factory was given.</exception>
        public static MultiHeadModel Load(string path, Func<nn.Module<Tensor, Tensor>>? customBackbone = null, string device = "cpu")
        {
            using var stream = FileSections.OpenExisting(path, "Model");
            return Read(stream, path, customBackbone, device);
        }
    }

    /// <summary>Saves a model atomically.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The model is beyond a bound that <see cref="Load"/> enforces (e.g. <see cref="MaxHiddenWidth"/>), or has a temperature that is not positive and finite; nothing is written.</exception>
    /// <exception cref="IOException">The file could not be written; any previous file at <paramref name="path"/> is intact.</exception>
    public static void Save(this MultiHeadModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.Write(path, stream => Write(model, stream));
    }

    /// <summary>Writes a model to a stream in the file format.</summary>
    /// <param name="model">The model.</param>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="ArgumentException">See <see cref="Save"/>.</exception>
    public static void Write(MultiHeadModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        model.ThrowIfDisposed();
        var metadata = new ModelFileMetadata
        {
            LibraryVersion = LibraryInfo.Version,
            InputWidth = model.InputWidth,
            Heads = [.. model.Heads.Select(h => new HeadMetadata(h.Name, h.ClassCount, [.. h.ClassNames], h.Weighting.ToSpec(), h.LossWeight, HeadMetadata.NameOf(h.Loss)))],
            Backbone = model.BackboneOptions,
            BackboneOutputWidth = model.BackboneOutputWidth,
            StandardizeFeatures = model.Options.StandardizeFeatures,
            StandardizerMeans = model.Standardizer?.Means.ToList(),
            StandardizerScales = model.Standardizer?.Scales.ToList(),
            ClassWeights = model.ClassWeights?.ToDictionary(p => p.Key, p => p.Value),
            FittedOn = model.FittedOn,
            ClassPriors = model.ClassPriors?.ToDictionary(p => p.Key, p => p.Value),
            Temperatures = model.Temperatures?.PerHead.ToDictionary(p => p.Key, p => p.Value),
            TemperaturesAfterPriorCorrection = model.Temperatures?.AfterPriorCorrection ?? true,
            TemperaturesFittedOn = model.Temperatures?.FittedOn,
        };

        byte[] state = StateDict.ToBytes(model.Network);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, Json);
        if (ModelFileCheck.FindMetadataProblem(metadata) is { } problem)
        {
            throw new ArgumentException($"The model cannot be saved as a file that ModelFile.Load accepts: {problem}.", nameof(model));
        }

        FileSections.WriteChecked(stream, Magic, FormatVersion, writer =>
        {
            writer.Write(json.Length);
            writer.Write(json);
            FileSections.WriteSection(writer, state);
        });
    }

    /// <summary>Reads a model from a stream in the file format.</summary>
    /// <param name="stream">A readable stream positioned at the start of the model.</param>
    /// <param name="sourceName">Names the source in error messages.</param>
    /// <param name="customBackbone">See <see cref="Load"/>.</param>
    /// <param name="device">The device to load onto. Default "cpu".</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">See <see cref="Load"/>.</exception>
    /// <exception cref="ArgumentException">See <see cref="Load"/>.</exception>
    public static MultiHeadModel Read(Stream stream, string sourceName, Func<nn.Module<Tensor, Tensor>>? customBackbone = null, string device = "cpu")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ModelFileMetadata metadata;
        byte[] state;
        var (_, payload) = FileSections.ReadChecked(stream, Magic, OldestFormatVersion, FormatVersion, sourceName, "model");
        using (var reader = payload)
        {
            try
            {
                byte[] json = FileSections.ReadExactly(reader, reader.ReadInt32(), sourceName, "metadata");
                metadata = JsonSerializer.Deserialize<ModelFileMetadata>(json, ReadJson)
                    ?? throw new InvalidDataException($"'{sourceName}' has empty model metadata.");
                state = FileSections.ReadSection(reader, sourceName, "weights");
                FileSections.RequireEnd(reader, sourceName, "model");
            }
            catch (EndOfStreamException e)
            {
                throw FileSections.Truncated(sourceName, e);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{sourceName}' has corrupt model metadata: {e.Message}", e);
            }
        }

        var declarations = CheckMetadataAndWeights(metadata, state, sourceName);
        var backbone = metadata.Backbone is null ? CheckedCustomBackbone(customBackbone, metadata, declarations, sourceName) : null;
        MultiHeadModel model;
        try
        {
            model = Rebuild(metadata, sourceName, backbone, device);
        }
        catch (ArgumentException e)
        {
            backbone?.Dispose();
            throw new InvalidDataException($"'{sourceName}' has invalid model metadata: {e.Message}", e);
        }

        try
        {
            using var weights = new MemoryStream(state);
            model.Network.load(weights, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            throw new InvalidDataException($"The weights in '{sourceName}' do not match the model architecture: {e.Message}", e);
        }

        model.Network.eval();
        if (backbone is not null)
        {
            CheckCustomForward(model, metadata, sourceName);
        }

        return model;
    }

    private static MultiHeadModel Rebuild(ModelFileMetadata metadata, string sourceName, nn.Module<Tensor, Tensor>? customBackbone, string device)
    {
        List<HeadDefinition> heads;
        try
        {
            heads = [.. metadata.Heads.Select(h => new HeadDefinition(h.Name, h.ClassCount, h.ClassNames, ClassWeighting.FromSpec(h.Weighting), h.LossWeight, h.HeadLoss()))];
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"'{sourceName}' has invalid head definitions: {e.Message}", e);
        }

        var options = new MultiHeadModelOptions
        {
            Backbone = metadata.Backbone ?? new MlpBackboneOptions(),
            StandardizeFeatures = metadata.StandardizeFeatures,
            Device = device,
        };
        MultiHeadModel model;
        if (metadata.Backbone is not null)
        {
            model = MultiHeadModel.Create(metadata.InputWidth, heads, options);
        }
        else
        {
            model = MultiHeadModel.Create(metadata.InputWidth, heads, customBackbone!, metadata.BackboneOutputWidth, options);
        }

        FeatureStandardizer? standardizer = metadata.StandardizerMeans is { } means && metadata.StandardizerScales is { } scales
            ? new FeatureStandardizer(means, scales)
            : null;
        model.SetTrainingState(metadata.ClassWeights, standardizer, metadata.FittedOn, metadata.ClassPriors);

        model.Temperatures = metadata.Temperatures is { } temperatures
            ? new FittedTemperatures(temperatures, metadata.TemperaturesAfterPriorCorrection, metadata.TemperaturesFittedOn)
            : null;
        return model;
    }

    /// <summary>
    /// Everything that can be checked before a module exists: the metadata's fields and bounds, the state dict's
    /// declarations (read without creating a tensor), and that they are exactly the architecture's (for a custom
    /// backbone, the head layer's here and the backbone's in <see cref="CheckedCustomBackbone"/>); then that every
    /// weight is finite.
    /// </summary>
    /// <returns>The state dict's entries.</returns>
    private static List<StateDictEntry> CheckMetadataAndWeights(ModelFileMetadata metadata, byte[] state, string sourceName)
    {
        const string part = ModelFileCheck.WeightsPart;
        var entries = new List<StateDictEntry>();
        string? problem = ModelFileCheck.FindMetadataProblem(metadata)
            ?? StateDict.ReadDeclarations(state, part, out entries)
            ?? (metadata.Backbone is null
                ? StateDict.FindMismatch([.. entries.Where(e => !e.Spec.Name.StartsWith("backbone.", StringComparison.Ordinal))], ModelFileCheck.ExpectedStateDict(metadata), part, "the head layer in the metadata")
                : StateDict.FindMismatch(entries, ModelFileCheck.ExpectedStateDict(metadata), part, "the architecture in the metadata"))
            ?? StateDict.FindNonFinite(state, entries, part);
        return problem is null ? entries : throw FileSections.Invalid(sourceName, "model", problem);
    }

    /// <summary>
    /// The caller's untrained custom backbone, once its state dict (under <c>backbone.</c>) and the head layer the
    /// metadata describes are exactly what the file declares.
    /// </summary>
    private static nn.Module<Tensor, Tensor> CheckedCustomBackbone(Func<nn.Module<Tensor, Tensor>>? factory, ModelFileMetadata metadata, List<StateDictEntry> weights, string sourceName)
    {
        if (factory is null)
        {
            throw new ArgumentException($"'{sourceName}' was saved with a custom backbone; pass a factory for an untrained instance of it so that its weights can be loaded.", "customBackbone");
        }

        var backbone = factory() ?? throw new ArgumentException("The custom backbone factory returned null.", "customBackbone");
        var expected = MultiHeadNetwork.StateDictSpecs(StateDict.Specs(backbone), metadata.BackboneOutputWidth, ModelFileCheck.HeadShapes(metadata.Heads));
        if (StateDict.FindMismatch(weights, expected, ModelFileCheck.WeightsPart, "the model built from the custom backbone and the metadata") is { } problem)
        {
            backbone.Dispose();
            throw FileSections.Invalid(sourceName, "model", problem);
        }

        return backbone;
    }

    /// <summary>A custom backbone's input width is only in the metadata: one forward pass proves the backbone takes it.</summary>
    private static void CheckCustomForward(MultiHeadModel model, ModelFileMetadata metadata, string sourceName)
    {
        try
        {
            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            model.Network.forward(zeros(1, metadata.InputWidth, device: model.Device));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            throw FileSections.Invalid(sourceName, "model", $"InputWidth is {metadata.InputWidth}, but the custom backbone does not take {metadata.InputWidth} features to {metadata.BackboneOutputWidth}: {e.Message.Split('\n')[0].Trim().TrimEnd('.')}", e);
        }
    }
}
