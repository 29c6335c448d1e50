using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Persistence;

/// <summary>
/// Proves a model file self-consistent before anything is allocated for it. The metadata must be complete, within
/// <see cref="ModelFile"/>'s bounds and finite; the architecture it describes implies an exact list of state-dict
/// keys, element types and shapes, which the weights' own declarations (read without creating a tensor) must match;
/// and the weights must be finite. Only then is a module built, at a size the file's own bytes already pay for.
/// </summary>
internal static class ModelFileCheck
{
    /// <summary>Names the model's state dict in problems.</summary>
    public const string WeightsPart = "the state dict";

    /// <summary>
    /// The first problem with the metadata, naming the field as the JSON does (e.g. <c>Backbone.HiddenSizes[0]</c>);
    /// null when every field is present, finite, within bounds and consistent with the others.
    /// </summary>
    /// <param name="metadata">The deserialised metadata, which may have nulls anywhere.</param>
    /// <returns>The problem, or null.</returns>
    public static string? FindMetadataProblem(ModelFileMetadata metadata) =>
        (metadata.LibraryVersion is null ? "LibraryVersion is missing" : null)
        ?? FindRangeProblem(metadata.InputWidth, 1, ModelFile.MaxInputWidth, "InputWidth", nameof(ModelFile.MaxInputWidth))
        ?? FindHeadsProblem(metadata.Heads)
        ?? FindBackboneProblem(metadata)
        ?? FindParameterCountProblem(metadata)
        ?? FindStandardizationProblem(metadata)
        ?? FindClassWeightsProblem(metadata.ClassWeights, metadata.Heads)
        ?? FindClassPriorsProblem(metadata.ClassPriors, metadata.Heads)
        ?? FindTemperaturesProblem(metadata.Temperatures, metadata.Heads)
        ?? FindFingerprintProblem(metadata.FittedOn, "FittedOn")
        ?? FindFingerprintProblem(metadata.TemperaturesFittedOn, "TemperaturesFittedOn");

    /// <summary>
    /// The state dict that valid metadata with the built-in backbone implies: <c>backbone.layers.&lt;i&gt;.…</c>, then
    /// <c>heads.weight</c> [rows, width] and <c>heads.bias</c> [ΣO] (see <see cref="MultiHeadNetwork"/>).
    /// </summary>
    /// <param name="metadata">Metadata that passed <see cref="FindMetadataProblem"/>.</param>
    /// <returns>Every key with its element type and shape.</returns>
    public static List<TensorSpec> ExpectedStateDict(ModelFileMetadata metadata) =>
        MultiHeadNetwork.StateDictSpecs(
            metadata.Backbone is { } backbone ? MlpBackbone.StateDictSpecs(metadata.InputWidth, backbone) : [],
            metadata.BackboneOutputWidth,
            HeadShapes(metadata.Heads));

    /// <summary>The heads' shapes (names, class counts, losses) for computing the head layer's declarations.</summary>
    /// <param name="heads">Heads that passed <see cref="FindMetadataProblem"/>.</param>
    public static List<HeadDefinition> HeadShapes(IEnumerable<HeadMetadata> heads) =>
        [.. heads.Select(h => new HeadDefinition(h.Name, h.ClassCount, loss: h.HeadLoss()))];

    /// <summary>ΣK over the heads.</summary>
    public static long TotalClasses(IEnumerable<HeadMetadata> heads) => heads.Sum(h => (long)h.ClassCount);

    private static string? FindRangeProblem(long value, long minimum, long maximum, string field, string bound) =>
        value < minimum ? $"{field} is {value}; it must be at least {minimum}"
        : value > maximum ? $"{field} is {value}, above the limit of {maximum:N0} (ModelFile.{bound})"
        : null;

    private static string? FindHeadsProblem(List<HeadMetadata>? heads)
    {
        if (heads is null || heads.Count == 0)
        {
            return heads is null ? "Heads is missing" : "Heads is empty";
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int h = 0; h < heads.Count; h++)
        {
            string at = $"Heads[{h}]";
            var head = heads[h];
            string? problem = head switch
            {
                null => $"{at} is null",
                { Name: null } => $"{at}.Name is missing",
                _ when string.IsNullOrWhiteSpace(head.Name) => $"{at}.Name is empty",
                _ when names.TryGetValue(head.Name, out int first) => $"{at}.Name '{head.Name}' is also the name of Heads[{first}]",
                _ => FindRangeProblem(head.ClassCount, 2, ModelFile.MaxClassCount, $"{at}.ClassCount", nameof(ModelFile.MaxClassCount))
                    ?? FindClassNamesProblem(head.ClassNames, head.ClassCount, at)
                    ?? (double.IsFinite(head.LossWeight) && head.LossWeight >= 0 ? null : $"{at}.LossWeight is {head.LossWeight}; it must be finite and not negative")
                    ?? (head.Loss is null or "cross-entropy" or "corn" or "coral" ? null : $"{at}.Loss is '{head.Loss}'; it must be cross-entropy, corn or coral")
                    ?? FindWeightingProblem(head, at),
            };
            if (problem is not null)
            {
                return problem;
            }

            names[head!.Name!] = h;
        }

        long total = TotalClasses(heads);
        return total > ModelFile.MaxTotalClassCount
            ? $"the heads have {total:N0} classes in all, above the limit of {ModelFile.MaxTotalClassCount:N0} (ModelFile.{nameof(ModelFile.MaxTotalClassCount)})"
            : null;
    }

    private static string? FindClassNamesProblem(List<string>? names, int classCount, string at)
    {
        if (names is null)
        {
            return $"{at}.ClassNames is missing";
        }

        if (names.Count != classCount)
        {
            return $"{at}.ClassNames has {names.Count} names, but ClassCount is {classCount}";
        }

        int nullAt = names.IndexOf(null!);
        return nullAt < 0 ? null : $"{at}.ClassNames[{nullAt}] is null";
    }

    /// <summary>The weighting's own factories judge its parameters, so the file accepts exactly what the API does.</summary>
    private static string? FindWeightingProblem(HeadMetadata head, string at)
    {
        if (head.Weighting is not { Name: not null } spec)
        {
            return head.Weighting is null ? $"{at}.Weighting is missing" : $"{at}.Weighting.Name is missing";
        }

        try
        {
            _ = new HeadDefinition(head.Name, head.ClassCount, head.ClassNames, ClassWeighting.FromSpec(spec), head.LossWeight);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            return $"{at}.Weighting is invalid: {e.Message.Split('\n')[0].Trim().TrimEnd('.')}";
        }
    }

    private static string? FindBackboneProblem(ModelFileMetadata metadata)
    {
        if (metadata.Backbone is not { } backbone)
        {
            return FindRangeProblem(metadata.BackboneOutputWidth, 1, ModelFile.MaxHiddenWidth, "BackboneOutputWidth", nameof(ModelFile.MaxHiddenWidth));
        }

        if (backbone.HiddenSizes is not { } sizes)
        {
            return "Backbone.HiddenSizes is missing";
        }

        if (sizes.Count > ModelFile.MaxHiddenLayerCount)
        {
            return $"Backbone.HiddenSizes has {sizes.Count:N0} layers, above the limit of {ModelFile.MaxHiddenLayerCount:N0} (ModelFile.{nameof(ModelFile.MaxHiddenLayerCount)})";
        }

        for (int i = 0; i < sizes.Count; i++)
        {
            if (FindRangeProblem(sizes[i], 1, ModelFile.MaxHiddenWidth, $"Backbone.HiddenSizes[{i}]", nameof(ModelFile.MaxHiddenWidth)) is { } problem)
            {
                return problem;
            }
        }

        int output = sizes.Count > 0 ? sizes[^1] : metadata.InputWidth;
        return backbone switch
        {
            _ when !Enum.IsDefined(backbone.Activation) => $"Backbone.Activation is {(int)backbone.Activation}, not a known activation",
            _ when !(backbone.Dropout >= 0 && backbone.Dropout < 1) => $"Backbone.Dropout is {backbone.Dropout}; it must be in [0, 1)",
            _ when metadata.BackboneOutputWidth != output => $"BackboneOutputWidth is {metadata.BackboneOutputWidth}, but the backbone's last layer has width {output}",
            _ => null,
        };
    }

    /// <summary>With the built-in backbone, every parameter; with a custom one, those of the head layer (the backbone's come from the caller's factory).</summary>
    private static string? FindParameterCountProblem(ModelFileMetadata metadata)
    {
        long count = ExpectedStateDict(metadata).Sum(s => s.ElementCountUpTo(long.MaxValue) ?? long.MaxValue);
        return count > ModelFile.MaxParameterCount
            ? $"the architecture has {count:N0} parameters, above the limit of {ModelFile.MaxParameterCount:N0} (ModelFile.{nameof(ModelFile.MaxParameterCount)})"
            : null;
    }

    private static string? FindStandardizationProblem(ModelFileMetadata metadata)
    {
        var (means, scales) = (metadata.StandardizerMeans, metadata.StandardizerScales);
        if (means is null || scales is null)
        {
            return (means is null) == (scales is null) ? null
                : means is null ? "StandardizerScales is present without StandardizerMeans"
                : "StandardizerMeans is present without StandardizerScales";
        }

        if (!metadata.StandardizeFeatures)
        {
            return "StandardizerMeans is present, but StandardizeFeatures is false";
        }

        if (means.Count != metadata.InputWidth || scales.Count != metadata.InputWidth)
        {
            return $"StandardizerMeans and StandardizerScales have {means.Count} and {scales.Count} values, but InputWidth is {metadata.InputWidth}";
        }

        // Prediction standardises in 32-bit floats: a value that is not finite there would make every prediction NaN.
        int badMean = means.FindIndex(m => !float.IsFinite((float)m));
        if (badMean >= 0)
        {
            return $"StandardizerMeans[{badMean}] is {means[badMean]}; it must be finite as a 32-bit float";
        }

        int badScale = scales.FindIndex(s => !(s >= 0) || !float.IsFinite((float)s) || (s > 0 && (float)s == 0));
        return badScale < 0 ? null
            : $"StandardizerScales[{badScale}] is {scales[badScale]}; it must be positive (or 0 for a constant feature) and finite as a 32-bit float";
    }

    private static string? FindClassWeightsProblem(Dictionary<string, float[]>? weights, List<HeadMetadata> heads)
    {
        if (weights is null)
        {
            return null;
        }

        foreach (var head in heads)
        {
            string at = $"ClassWeights['{head.Name}']";
            if (!weights.TryGetValue(head.Name, out float[]? values))
            {
                return $"ClassWeights has no entry for head '{head.Name}'";
            }

            if (values is null || values.Length != head.ClassCount)
            {
                return values is null ? $"{at} is null" : $"{at} has {values.Length} weights, but the head has {head.ClassCount} classes";
            }

            int bad = Array.FindIndex(values, w => !float.IsFinite(w) || w <= 0);
            if (bad >= 0)
            {
                return $"{at}[{bad}] is {values[bad]}; class weights must be positive and finite";
            }
        }

        return weights.Count == heads.Count ? null : "ClassWeights has entries for heads the model does not have";
    }

    private static string? FindClassPriorsProblem(Dictionary<string, double[]>? priors, List<HeadMetadata> heads)
    {
        if (priors is null)
        {
            return null;
        }

        foreach (var head in heads)
        {
            if (!priors.TryGetValue(head.Name, out var values) || values is null || values.Length != head.ClassCount)
            {
                return $"ClassPriors['{head.Name}'] is missing or does not have {head.ClassCount} entries";
            }

            if (values.Any(v => !double.IsFinite(v) || v < 0 || v > 1))
            {
                return $"ClassPriors['{head.Name}'] has a value outside [0, 1]";
            }
        }

        return priors.Count == heads.Count ? null : "ClassPriors has entries for heads the model does not have";
    }

    private static string? FindFingerprintProblem(Data.DataFingerprint? fingerprint, string field) =>
        fingerprint is not { } f ? null
        : f.Rows < 0 ? $"{field}.Rows is {f.Rows}; it must not be negative"
        : f.Sha256 is not { Length: 64 } || !f.Sha256.All(char.IsAsciiHexDigitLower) ? $"{field}.Sha256 is not 64 lower-case hex digits"
        : null;

    private static string? FindTemperaturesProblem(Dictionary<string, double>? temperatures, List<HeadMetadata> heads)
    {
        foreach (var (name, value) in temperatures ?? [])
        {
            if (!heads.Exists(h => h.Name == name))
            {
                return $"Temperatures has '{name}', which is not a head";
            }

            if (!double.IsFinite(value) || value <= 0)
            {
                return $"Temperatures['{name}'] is {value}; a temperature must be positive and finite";
            }
        }

        return null;
    }
}
