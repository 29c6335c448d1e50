using System.Text.Json;
using Microsoft.Extensions.Logging;
using MultiHeadClassifier.Cli.Input;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;

namespace MultiHeadClassifier.Cli;

/// <summary>
/// A trained model on disk: <c>model.mhc</c> (the library's model file) or, for a seed ensemble
/// (<c>mhc train --ensemble M</c>), <c>ensemble.mhce</c>; <c>features.json</c> (feature column names in model order)
/// and, when training imputed missing features, <c>imputation.json</c> (training means). Every command uses an
/// ensemble's directory as it uses a model's: the scoring members below go to the ensemble when there is one.
/// A run with checkpoints also leaves <c>checkpoint.mhcckpt</c> and <c>checkpoint.json</c> there (see <see cref="CheckpointFile"/>).
/// </summary>
public sealed class ModelDirectory : IDisposable
{
    /// <summary>The model file name.</summary>
    public const string ModelFile = "model.mhc";

    /// <summary>The ensemble file name, written instead of <see cref="ModelFile"/> for a seed ensemble.</summary>
    public const string EnsembleFile = "ensemble.mhce";

    /// <summary>The feature list file name.</summary>
    public const string FeaturesFile = "features.json";

    /// <summary>The imputation means file name.</summary>
    public const string ImputationFile = "imputation.json";

    /// <summary>The training checkpoint file name: written by <c>mhc train --checkpoint-every</c>, continued by <c>--resume</c>.</summary>
    public const string CheckpointFile = "checkpoint.mhcckpt";

    /// <summary>The file name of the checkpointed run's description (data hashes, trainer options), which <c>--resume</c> checks.</summary>
    public const string CheckpointRunFile = "checkpoint.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private ModelDirectory(MultiHeadModel model, MultiHeadEnsemble? ensemble, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means, MissingValues missing)
    {
        Model = model;
        Ensemble = ensemble;
        Features = features;
        Means = means;
        Missing = missing;
    }

    /// <summary>
    /// The CSV feature cells read as missing: those <c>mhc train --na-values</c> stored in <see cref="FeaturesFile"/>
    /// (<c>"na_values"</c>, written only when the set is not the default), or the default set; a command's own
    /// <c>--na-values</c> replaces it.
    /// </summary>
    internal MissingValues Missing { get; set; }

    /// <summary>
    /// The model; for an ensemble, its first member, which holds the heads, class names and training prior every
    /// member shares. Score through <see cref="Probabilities"/>, <see cref="Evaluate"/> and the other members here,
    /// which use the whole ensemble.
    /// </summary>
    public MultiHeadModel Model { get; }

    /// <summary>The ensemble, or null for a single model.</summary>
    public MultiHeadEnsemble? Ensemble { get; }

    /// <summary>The heads, in output order.</summary>
    public IReadOnlyList<HeadDefinition> Heads => Model.Heads;

    /// <summary>The feature column names, in model input order.</summary>
    public IReadOnlyList<string> Features { get; }

    /// <summary>Training means used to impute missing features, or null when imputation is off.</summary>
    public IReadOnlyDictionary<string, double>? Means { get; }

    /// <summary>Class probabilities of every head after a correction: the model's, or the ensemble's mean.</summary>
    /// <param name="data">The rows.</param>
    /// <param name="correction">The correction.</param>
    /// <returns>Rows × K probabilities keyed by head name.</returns>
    public IReadOnlyDictionary<string, double[,]> Probabilities(MultiHeadDataset data, LogitCorrection correction) =>
        Ensemble?.Probabilities(data, correction) ?? ModelCorrections.Probabilities(ModelCorrections.Apply(Model, Model.Predict(data), correction));

    /// <summary>
    /// The outputs <c>--output logits</c> writes: the model's raw outputs after the correction, or for an ensemble
    /// the mean of the members' raw outputs (an ensemble has no corrected logits; its corrections act on probabilities).
    /// </summary>
    /// <exception cref="CliException">An ensemble with a correction.</exception>
    public MultiHeadPrediction Outputs(MultiHeadDataset data, LogitCorrection correction)
    {
        if (Ensemble is null)
        {
            return ModelCorrections.Apply(Model, Model.Predict(data), correction);
        }

        if (correction != LogitCorrection.None)
        {
            throw new CliException("--output logits: an ensemble's corrections act on its mean probabilities, so it has no corrected logits; use --output probabilities, or --correction none for the members' mean raw outputs.");
        }

        var members = Ensemble.Members.Select(m => m.Predict(data)).ToList();
        var mean = members[0].Logits.ToDictionary(p => p.Key, p => Mean(members.Select(m => m[p.Key]).ToList()), StringComparer.Ordinal);
        return new MultiHeadPrediction(mean, members[0].Kinds);
    }

    /// <summary>Evaluates the model or the ensemble.</summary>
    public EvaluationReport Evaluate(MultiHeadDataset data, LogitCorrection correction, DecisionRule rule) =>
        Ensemble is null ? ModelEvaluator.Evaluate(Model, data, correction, rule) : ModelEvaluator.Evaluate(Ensemble, data, correction, rule);

    /// <summary>The temperatures attached to the model or the ensemble.</summary>
    public FittedTemperatures? Temperatures => Ensemble is null ? Model.Temperatures : Ensemble.Temperatures;

    /// <summary>Fits temperatures on held-out rows and attaches them to the model or the ensemble.</summary>
    public void FitTemperatures(MultiHeadDataset heldOut, bool afterPriorCorrection, ILogger? logger)
    {
        if (Ensemble is null)
        {
            Model.Temperatures = ModelCorrections.FitTemperatures(Model, heldOut, afterPriorCorrection, logger);
        }
        else
        {
            Ensemble.Temperatures = Ensemble.FitTemperatures(heldOut, afterPriorCorrection);
        }
    }

    /// <summary>Fits the thresholds rule on held-out rows for the model or the ensemble.</summary>
    public DecisionRule FitThresholds(MultiHeadDataset heldOut, LogitCorrection correction) =>
        Ensemble is null ? ThresholdFitting.Fit(Model, heldOut, correction) : ThresholdFitting.Fit(Ensemble, heldOut, correction);

    /// <summary>Writes an ensemble and its sidecar files (<see cref="EnsembleFile"/> instead of <see cref="ModelFile"/>).</summary>
    /// <param name="dir">The directory (created if needed).</param>
    /// <param name="ensemble">The ensemble.</param>
    /// <param name="features">Feature names in model order.</param>
    /// <param name="means">Imputation means, or null.</param>
    /// <param name="naValues">The missing-value tokens training used when they are not the default set, or null.</param>
    public static void Save(string dir, MultiHeadEnsemble ensemble, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means, IReadOnlyList<string>? naValues = null)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        Directory.CreateDirectory(dir);
        ensemble.Save(Path.Combine(dir, EnsembleFile));
        File.Delete(Path.Combine(dir, ModelFile));
        WriteSidecars(dir, ensemble.Heads, features, means, naValues);
    }

    /// <summary>Writes a model and its sidecar files.</summary>
    /// <param name="dir">The directory (created if needed).</param>
    /// <param name="model">The model.</param>
    /// <param name="features">Feature names in model order.</param>
    /// <param name="means">Imputation means, or null.</param>
    /// <param name="naValues">The missing-value tokens training used when they are not the default set, or null.</param>
    public static void Save(string dir, MultiHeadModel model, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means, IReadOnlyList<string>? naValues = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(dir);
        model.Save(Path.Combine(dir, ModelFile));
        File.Delete(Path.Combine(dir, EnsembleFile));
        WriteSidecars(dir, model.Heads, features, means, naValues);
    }

    private static void WriteSidecars(string dir, IReadOnlyList<HeadDefinition> heads, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means, IReadOnlyList<string>? naValues)
    {
        File.WriteAllText(Path.Combine(dir, FeaturesFile), JsonSerializer.Serialize(new FeaturesJson(features.ToArray(), heads.Select(h => h.Name).ToArray(), naValues?.ToArray()), JsonOptions));
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
        string ensemblePath = Path.Combine(dir, EnsembleFile);
        string featuresPath = Path.Combine(dir, FeaturesFile);
        bool isEnsemble = !File.Exists(modelPath) && File.Exists(ensemblePath);
        if ((!File.Exists(modelPath) && !isEnsemble) || !File.Exists(featuresPath))
        {
            throw new CliException($"{dir}: not a model directory (it needs {ModelFile} or {EnsembleFile}, and {FeaturesFile}, as written by 'mhc train').");
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
        MultiHeadEnsemble? ensemble = null;
        try
        {
            ensemble = isEnsemble ? MultiHeadEnsemble.Load(ensemblePath) : null;
            model = ensemble?.Members[0] ?? MultiHeadModel.Load(modelPath);
        }
        catch (InvalidDataException e)
        {
            throw new CliException($"{dir}: not a model directory: {e.Message}", e);
        }

        if (model.InputWidth != features.Features.Length)
        {
            (ensemble as IDisposable ?? model).Dispose();
            throw new CliException($"{featuresPath}: lists {features.Features.Length} features, but the model expects {model.InputWidth}.");
        }

        return new ModelDirectory(model, ensemble, features.Features, imputation?.Means, features.NaValues is { } tokens ? MissingValues.Of(tokens) : MissingValues.Default);
    }

    /// <inheritdoc />
    public void Dispose() => (Ensemble as IDisposable ?? Model).Dispose();

    private static float[,] Mean(IReadOnlyList<float[,]> values)
    {
        var result = new float[values[0].GetLength(0), values[0].GetLength(1)];
        for (int r = 0; r < result.GetLength(0); r++)
        {
            for (int c = 0; c < result.GetLength(1); c++)
            {
                result[r, c] = values.Sum(v => v[r, c]) / values.Count;
            }
        }

        return result;
    }

    private sealed record FeaturesJson(
        [property: System.Text.Json.Serialization.JsonPropertyName("features")] string[] Features,
        [property: System.Text.Json.Serialization.JsonPropertyName("heads")] string[] Heads,
        [property: System.Text.Json.Serialization.JsonPropertyName("na_values")]
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        string[]? NaValues = null);

    private sealed record ImputationJson(
        [property: System.Text.Json.Serialization.JsonPropertyName("means")] SortedDictionary<string, double> Means);
}
