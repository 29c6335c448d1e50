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
/// </remarks>
public static class ModelFile
{
    /// <summary>The file format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 3;

    /// <summary>The oldest file format version this library reads.</summary>
    public const int OldestFormatVersion = 2;

    private static readonly byte[] Magic = "MHCMODEL"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

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
        /// <exception cref="InvalidDataException">The file is not a model, is truncated, has a newer format version, or its weights do not match the architecture.</exception>
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
                metadata = JsonSerializer.Deserialize<ModelFileMetadata>(json, Json)
                    ?? throw new InvalidDataException($"'{sourceName}' has empty model metadata.");
                state = FileSections.ReadSection(reader, sourceName, "weights");
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

        CheckMetadata(metadata, sourceName);
        MultiHeadModel model;
        try
        {
            model = Rebuild(metadata, sourceName, customBackbone, device);
        }
        catch (ArgumentException e) when (e.ParamName != nameof(customBackbone))
        {
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
        return model;
    }

    private static MultiHeadModel Rebuild(ModelFileMetadata metadata, string sourceName, Func<nn.Module<Tensor, Tensor>>? customBackbone, string device)
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
            if (customBackbone is null)
            {
                throw new ArgumentException($"'{sourceName}' was saved with a custom backbone; pass a factory for an untrained instance of it so that its weights can be loaded.", nameof(customBackbone));
            }

            model = MultiHeadModel.Create(metadata.InputWidth, heads, customBackbone(), metadata.BackboneOutputWidth, options);
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

    private static void CheckMetadata(ModelFileMetadata metadata, string sourceName)
    {
        string? problem = metadata switch
        {
            { LibraryVersion: null } => "no library version",
            { InputWidth: <= 0 } => "a non-positive input width",
            { BackboneOutputWidth: <= 0 } => "a non-positive backbone width",
            { Heads: null or { Count: 0 } } => "no heads",
            _ when metadata.Heads.Any(h => h is null || h.Name is null || h.ClassNames is null || h.Weighting is null || h.Weighting.Name is null) => "an incomplete head definition",
            _ when metadata.ClassWeights is { } w && (w.Count != metadata.Heads.Count || metadata.Heads.Any(h => !w.TryGetValue(h.Name, out var v) || v is null || v.Length != h.ClassCount)) => "class weights that do not match the heads",
            _ when metadata.ClassPriors is { } priors && (priors.Count != metadata.Heads.Count || metadata.Heads.Any(h => !priors.TryGetValue(h.Name, out var p) || p is null || p.Length != h.ClassCount || p.Any(v => !double.IsFinite(v) || v < 0))) => "class priors that do not match the heads",
            _ when (metadata.StandardizerMeans is null) != (metadata.StandardizerScales is null)
                || (metadata.StandardizerMeans is { } m && (m.Count != metadata.InputWidth || metadata.StandardizerScales!.Count != metadata.InputWidth)) => "a standardisation that does not match the input width",
            _ when metadata.Backbone is { } b && (b.HiddenSizes is null || b.Validate().Count > 0) => "an invalid backbone configuration",
            _ => null,
        };
        if (problem is not null)
        {
            throw new InvalidDataException($"'{sourceName}' has corrupt model metadata: {problem}.");
        }
    }
}
