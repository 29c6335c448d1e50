namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Everything measured on one head: the scalar metrics, per-class metrics, the confusion matrix and the
/// reliability diagram. Create it with <see cref="HeadEvaluator"/>. Immutable.
/// </summary>
/// <remarks>
/// A head whose labels are all missing has <see cref="HasLabels"/> false, every scalar metric null, an all-zero
/// confusion matrix and empty reliability bins.
/// </remarks>
public sealed record HeadEvaluation
{
    /// <summary>The head's name.</summary>
    public required string Name { get; init; }

    /// <summary>K, the head's number of classes.</summary>
    public required int ClassCount { get; init; }

    /// <summary>Rows with a label (label ≠ −1); every metric is over these rows.</summary>
    public required int LabelledCount { get; init; }

    /// <summary>Rows whose label is missing (−1).</summary>
    public required int MissingCount { get; init; }

    /// <summary>Whether any row has a label; false means every scalar metric is null.</summary>
    public bool HasLabels => LabelledCount > 0;

    /// <summary>The scalar metrics; null where undefined.</summary>
    public required MetricSummary Metrics { get; init; }

    /// <summary>Why <see cref="MetricSummary.Qwk"/> is null, or null when it has a value.</summary>
    public string? QwkUndefinedReason { get; init; }

    /// <summary>Precision, recall, F1 and support for every class 0..K−1.</summary>
    public required PerClassMetrics PerClass { get; init; }

    /// <summary>K × K counts, [true class][predicted class], over labelled rows.</summary>
    public required IReadOnlyList<IReadOnlyList<long>> ConfusionMatrix { get; init; }

    /// <summary>The 15 reliability-diagram bins behind <see cref="MetricSummary.Ece"/>.</summary>
    public required IReadOnlyList<ReliabilityBin> Reliability { get; init; }

    /// <summary>
    /// One reliability diagram per class 0..K−1, behind <see cref="MetricSummary.ClasswiseEce"/>: 15 equal-width
    /// bins of that class's probability, each bin's accuracy being the fraction of its rows labelled with the class.
    /// </summary>
    /// <value>Default empty (an evaluation built without them).</value>
    public IReadOnlyList<IReadOnlyList<ReliabilityBin>> ClassReliability { get; init; } = [];
}
