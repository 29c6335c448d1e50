namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Precision, recall, F1 and support for every class 0..K−1 of one head, over the labelled rows. A ratio whose
/// denominator is zero is reported as 0 (scikit-learn's zero_division=0).
/// </summary>
/// <param name="Precision">TP / (TP + FP) per class; 0 when the class is never predicted.</param>
/// <param name="Recall">TP / (TP + FN) per class; 0 when the class never occurs among the labels.</param>
/// <param name="F1">2·TP / (2·TP + FP + FN) per class; 0 when the class occurs in neither labels nor predictions.</param>
/// <param name="Support">Number of labelled rows whose label is the class.</param>
public sealed record PerClassMetrics(
    IReadOnlyList<double> Precision,
    IReadOnlyList<double> Recall,
    IReadOnlyList<double> F1,
    IReadOnlyList<int> Support);
