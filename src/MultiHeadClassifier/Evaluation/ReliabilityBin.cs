namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// One bin of a reliability diagram: the labelled rows whose top-label confidence (largest probability) lies in
/// (<see cref="Lower"/>, <see cref="Upper"/>]; the first bin also includes a confidence of exactly 0.
/// </summary>
/// <param name="Lower">Lower edge of the bin (exclusive, except 0 for the first bin).</param>
/// <param name="Upper">Upper edge of the bin (inclusive).</param>
/// <param name="Count">Number of labelled rows in the bin.</param>
/// <param name="MeanConfidence">Mean top-label confidence of the rows in the bin; null when the bin is empty.</param>
/// <param name="Accuracy">Fraction of the bin's rows whose most probable class is the label; null when empty.</param>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double? MeanConfidence, double? Accuracy);
