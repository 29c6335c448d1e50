using System.Text.Json;
using System.Text.Json.Serialization;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Export;

/// <summary>
/// The JSON sidecar of an exported safetensors file: everything the model holds besides its tensors, the
/// SHA-256 of the tensors' data and the table of the tensors (names, dtypes, shapes, offsets) the file must have.
/// Read strictly: an unknown or missing field is an error.
/// </summary>
internal sealed record SafetensorsSidecar(
    string Format,
    int FormatVersion,
    string LibraryVersion,
    int InputWidth,
    List<SidecarHead> Heads,
    SidecarBackbone? Backbone,
    int BackboneOutputWidth,
    bool StandardizeFeatures,
    SidecarStandardizer? Standardizer,
    Dictionary<string, float[]>? ClassWeights,
    DataFingerprint? FittedOn,
    SidecarTemperatures? Temperatures,
    string TensorsSha256,
    List<SidecarTensor> Tensors,
    Dictionary<string, double[]>? ClassPriors = null)
{
    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "multiheadclassifier-safetensors";

    /// <summary>The version of the sidecar's layout this library writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Snake-case names, strict reading, no indentation surprises.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        WriteIndented = true,
        MaxDepth = 16,
    };
}

/// <summary>One head: as <see cref="HeadDefinition"/> holds it; <c>loss</c> is <c>cross-entropy</c> (the default when absent), <c>corn</c> or <c>coral</c>.</summary>
internal sealed record SidecarHead(string Name, int ClassCount, List<string> ClassNames, SidecarWeighting Weighting, double LossWeight, string Loss = "cross-entropy")
{
    /// <summary>The sidecar's name of a head loss.</summary>
    public static string NameOf(HeadLoss loss) => loss switch
    {
        HeadLoss.Corn => "corn",
        HeadLoss.Coral => "coral",
        _ => "cross-entropy",
    };

    /// <summary>The head loss the sidecar names.</summary>
    /// <exception cref="InvalidDataException">The name is unknown.</exception>
    public HeadLoss ToLoss() => Loss switch
    {
        "cross-entropy" => HeadLoss.CrossEntropy,
        "corn" => HeadLoss.Corn,
        "coral" => HeadLoss.Coral,
        _ => throw new InvalidDataException($"head '{Name}' has an unknown loss '{Loss}'"),
    };
}

/// <summary>A head's class weighting strategy: name (<c>none</c>, <c>balanced</c>, <c>inverse-sqrt</c>, <c>effective-number</c>, <c>explicit</c>) and parameters.</summary>
internal sealed record SidecarWeighting(string Name, double Beta, double Smoothing, float[]? Weights)
{
    public static SidecarWeighting From(ClassWeighting weighting)
    {
        var spec = weighting.ToSpec();
        return new SidecarWeighting(spec.Name, spec.Beta, spec.Smoothing, spec.Weights);
    }

    public ClassWeighting ToWeighting() => ClassWeighting.FromSpec(new ClassWeightingSpec(Name, Beta, Smoothing, Weights));
}

/// <summary>The built-in MLP backbone's configuration; activation is <c>relu</c>, <c>gelu</c>, <c>tanh</c> or <c>silu</c>.</summary>
internal sealed record SidecarBackbone(List<int> HiddenSizes, string Activation, double Dropout, bool LayerNorm);

/// <summary>Per-feature standardisation z = (x − mean) / scale.</summary>
internal sealed record SidecarStandardizer(List<double> Means, List<double> Scales);

/// <summary>Temperatures for temperature correction.</summary>
internal sealed record SidecarTemperatures(Dictionary<string, double> PerHead, bool AfterPriorCorrection, DataFingerprint? FittedOn);

/// <summary>One tensor of the safetensors file.</summary>
internal sealed record SidecarTensor(string Name, string Dtype, long[] Shape, long[] DataOffsets);
