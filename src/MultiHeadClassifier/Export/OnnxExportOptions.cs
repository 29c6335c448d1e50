using MultiHeadClassifier.Corrections;

namespace MultiHeadClassifier.Export;

/// <summary>
/// What an ONNX export adds to the raw per-head outputs: probability outputs after a correction, imputation of
/// missing features, and feature names. Immutable; the defaults export the raw logits only, as
/// <c>model.Predict</c> returns them.
/// </summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// When set, adds one output <c>&lt;head&gt;_probabilities</c> [N, K] per head: the softmax of the logits after this
    /// correction, as <c>ModelCorrections.Probabilities(ModelCorrections.Apply(model, raw, correction))</c> computes
    /// it. <see cref="LogitCorrection.None"/> gives the softmax of the raw logits. Prior correction needs the
    /// model's class weights (a trained model); temperature correction uses the model's attached
    /// <c>Temperatures</c>, which must have been fitted on the same basis (raw logits for
    /// <see cref="LogitCorrection.Temperature"/>, prior-corrected ones for <see cref="LogitCorrection.PriorAndTemperature"/>).
    /// </summary>
    /// <value>Default null: no probability outputs.</value>
    public LogitCorrection? Probabilities { get; init; }

    /// <summary>
    /// Per-feature values, in input order and in the units of the raw features, that replace a missing (NaN)
    /// input before standardisation: typically the training means (<c>mhc</c> stores them in
    /// <c>imputation.json</c>). A model does not hold imputation means itself, so without them the graph has no
    /// imputation step and a NaN input gives NaN outputs for its row.
    /// </summary>
    /// <value>Default null: no imputation. When set: one finite value per input feature.</value>
    public IReadOnlyList<double>? ImputationMeans { get; init; }

    /// <summary>The names of the input features, in input order, written to the model's metadata (<c>features</c>) so a service can map its columns.</summary>
    /// <value>Default null: not written. When set: one non-empty name per input feature.</value>
    public IReadOnlyList<string>? FeatureNames { get; init; }

    /// <summary>Lists every invalid setting for a model with <paramref name="inputWidth"/> features.</summary>
    /// <param name="inputWidth">The model's number of input features.</param>
    /// <returns>One message per problem; empty when valid.</returns>
    public IReadOnlyList<string> Validate(int inputWidth)
    {
        var errors = new List<string>();
        if (Probabilities is { } correction && !Enum.IsDefined(correction))
        {
            errors.Add($"Probabilities {(int)correction} is not a known correction.");
        }

        if (ImputationMeans is { } means)
        {
            if (means.Count != inputWidth)
            {
                errors.Add($"ImputationMeans has {means.Count} values, but the model has {inputWidth} features.");
            }

            int bad = means.ToList().FindIndex(m => !double.IsFinite(m) || Math.Abs(m) > float.MaxValue);
            if (bad >= 0)
            {
                errors.Add($"ImputationMeans[{bad}] is {means[bad]}; imputation values must be finite float32 numbers.");
            }
        }

        if (FeatureNames is { } names)
        {
            if (names.Count != inputWidth)
            {
                errors.Add($"FeatureNames has {names.Count} names, but the model has {inputWidth} features.");
            }

            int empty = names.ToList().FindIndex(string.IsNullOrWhiteSpace);
            if (empty >= 0)
            {
                errors.Add($"FeatureNames[{empty}] is empty.");
            }
        }

        return errors;
    }
}
