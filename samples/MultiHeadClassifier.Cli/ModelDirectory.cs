using System.Text.Json;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;

namespace MultiHeadClassifier.Cli;

/// <summary>
/// A trained model on disk: <c>model.mhc</c> (the library's model file), <c>features.json</c> (feature column
/// names in model order) and, when training imputed missing features, <c>imputation.json</c> (training means).
/// A run with checkpoints also leaves <c>checkpoint.mhcckpt</c> and <c>checkpoint.json</c> there (see <see cref="CheckpointFile"/>).
/// </summary>
public sealed class ModelDirectory : IDisposable
{
    /// <summary>The model file name.</summary>
    public const string ModelFile = "model.mhc";

    /// <summary>The feature list file name.</summary>
    public const string FeaturesFile = "features.json";

    /// <summary>The imputation means file name.</summary>
    public const string ImputationFile = "imputation.json";

    /// <summary>The training checkpoint file name: written by <c>mhc train --checkpoint-every</c>, continued by <c>--resume</c>.</summary>
    public const string CheckpointFile = "checkpoint.mhcckpt";

    /// <summary>The file name of the checkpointed run's description (data hashes, trainer options), which <c>--resume</c> checks.</summary>
    public const string CheckpointRunFile = "checkpoint.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private ModelDirectory(MultiHeadModel model, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means)
    {
        Model = model;
        Features = features;
        Means = means;
    }

    /// <summary>The model.</summary>
    public MultiHeadModel Model { get; }

    /// <summary>The feature column names, in model input order.</summary>
    public IReadOnlyList<string> Features { get; }

    /// <summary>Training means used to impute missing features, or null when imputation is off.</summary>
    public IReadOnlyDictionary<string, double>? Means { get; }

    /// <summary>Writes a model and its sidecar files.</summary>
    /// <param name="dir">The directory (created if needed).</param>
    /// <param name="model">The model.</param>
    /// <param name="features">Feature names in model order.</param>
    /// <param name="means">Imputation means, or null.</param>
    public static void Save(string dir, MultiHeadModel model, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means)
    {
        Directory.CreateDirectory(dir);
        model.Save(Path.Combine(dir, ModelFile));
        File.WriteAllText(Path.Combine(dir, FeaturesFile), JsonSerializer.Serialize(new FeaturesJson(features.ToArray(), model.Heads.Select(h => h.Name).ToArray()), JsonOptions));
        string imputation = Path.Combine(dir, ImputationFile);
        if (means is null)
        {
            File.Delete(imputation);
        }
        else
        {
            File.WriteAllText(imputation, JsonSerializer.Serialize(new ImputationJson(new SortedDictionary<string, double>(means.ToDictionary(), StringComparer.Ordinal)), JsonOptions));
        }
    }

    /// <summary>Loads a model directory.</summary>
    /// <param name="dir">The directory.</param>
    /// <returns>The model and its sidecars.</returns>
    /// <exception cref="CliException">The directory does not hold a model written by <c>mhc train</c>.</exception>
    public static ModelDirectory Load(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new CliException($"{dir}: model directory not found.");
        }

        string modelPath = Path.Combine(dir, ModelFile);
        string featuresPath = Path.Combine(dir, FeaturesFile);
        if (!File.Exists(modelPath) || !File.Exists(featuresPath))
        {
            throw new CliException($"{dir}: not a model directory (it needs {ModelFile} and {FeaturesFile}, as written by 'mhc train').");
        }

        FeaturesJson features;
        ImputationJson? imputation = null;
        try
        {
            features = JsonSerializer.Deserialize<FeaturesJson>(File.ReadAllText(featuresPath))
                ?? throw new InvalidDataException("empty JSON");
            string imputationPath = Path.Combine(dir, ImputationFile);
            if (File.Exists(imputationPath))
            {
                imputation = JsonSerializer.Deserialize<ImputationJson>(File.ReadAllText(imputationPath))
                    ?? throw new InvalidDataException("empty JSON");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new CliException($"{dir}: not a model directory ({e.Message}).", e);
        }

        if (features.Features is null || features.Features.Length == 0)
        {
            throw new CliException($"{featuresPath}: has no 'features' list.");
        }

        MultiHeadModel model;
        try
        {
            model = MultiHeadModel.Load(modelPath);
        }
        catch (InvalidDataException e)
        {
            throw new CliException($"{dir}: not a model directory: {e.Message}", e);
        }

        if (model.InputWidth != features.Features.Length)
        {
            model.Dispose();
            throw new CliException($"{featuresPath}: lists {features.Features.Length} features, but the model expects {model.InputWidth}.");
        }

        return new ModelDirectory(model, features.Features, imputation?.Means);
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    private sealed record FeaturesJson(
        [property: System.Text.Json.Serialization.JsonPropertyName("features")] string[] Features,
        [property: System.Text.Json.Serialization.JsonPropertyName("heads")] string[] Heads);

    private sealed record ImputationJson(
        [property: System.Text.Json.Serialization.JsonPropertyName("means")] SortedDictionary<string, double> Means);
}
