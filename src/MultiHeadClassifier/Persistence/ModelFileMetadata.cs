using MultiHeadClassifier.Data;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Persistence;

/// <summary>The JSON part of a model file: everything needed to rebuild the model before its weights load.</summary>
internal sealed record ModelFileMetadata
{
    public required string LibraryVersion { get; init; }

    public required int InputWidth { get; init; }

    public required List<HeadMetadata> Heads { get; init; }

    public MlpBackboneOptions? Backbone { get; init; }

    public required int BackboneOutputWidth { get; init; }

    public required bool StandardizeFeatures { get; init; }

    public List<double>? StandardizerMeans { get; init; }

    public List<double>? StandardizerScales { get; init; }

    public Dictionary<string, float[]>? ClassWeights { get; init; }

    /// <summary>Each head's training class prior (format 3; absent in format 2).</summary>
    public Dictionary<string, double[]>? ClassPriors { get; init; }

    /// <summary>The training data of the class weights and standardisation (format 3; absent in format 2).</summary>
    public DataFingerprint? FittedOn { get; init; }

    public Dictionary<string, double>? Temperatures { get; init; }

    public bool TemperaturesAfterPriorCorrection { get; init; } = true;

    /// <summary>The held-out data of the temperatures (format 3; absent in format 2).</summary>
    public DataFingerprint? TemperaturesFittedOn { get; init; }
}

/// <summary>One head in <see cref="ModelFileMetadata"/>. <c>Loss</c> is <c>cross-entropy</c>, <c>corn</c> or <c>coral</c>; absent (format 2) means cross-entropy.</summary>
internal sealed record HeadMetadata(string Name, int ClassCount, List<string> ClassNames, Heads.ClassWeightingSpec Weighting, double LossWeight, string? Loss = null)
{
    /// <summary>The file's name of a head loss.</summary>
    public static string NameOf(Heads.HeadLoss loss) => loss switch
    {
        Heads.HeadLoss.Corn => "corn",
        Heads.HeadLoss.Coral => "coral",
        _ => "cross-entropy",
    };

    /// <summary>The head loss a file names.</summary>
    /// <exception cref="InvalidDataException">The name is unknown.</exception>
    public Heads.HeadLoss HeadLoss() => Loss switch
    {
        null or "cross-entropy" => Heads.HeadLoss.CrossEntropy,
        "corn" => Heads.HeadLoss.Corn,
        "coral" => Heads.HeadLoss.Coral,
        _ => throw new InvalidDataException($"head '{Name}' has an unknown loss '{Loss}'"),
    };
}
