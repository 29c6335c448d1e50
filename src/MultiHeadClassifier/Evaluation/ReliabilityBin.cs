namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// One bin of a reliability diagram: the labelled rows whose confidence lies in
/// (<see cref="Lower"/>, <see cref="Upper"/>]; the first bin also includes a confidence of exactly 0. In a
/// top-label diagram the confidence is a row's largest probability and a row is a hit when its most probable class
/// is the label; in a per-class diagram of class c the confidence is p_c and a row is a hit when its label is c.
/// </summary>
/// <param name="Lower">Lower edge of the bin (exclusive, except 0 for the first bin).</param>
/// <param name="Upper">Upper edge of the bin (inclusive).</param>
/// <param name="Count">Number of labelled rows in the bin.</param>
/// <param name="MeanConfidence">Mean confidence of the rows in the bin; null when the bin is empty.</param>
/// <param name="Accuracy">Fraction of the bin's rows that are hits (the observed accuracy or frequency); null when empty.</param>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double? MeanConfidence, double? Accuracy)
{
    /// <summary>
    /// Lower end of the 95% Wilson score interval for <see cref="Accuracy"/> over <see cref="Count"/> rows
    /// (see <see cref="WilsonInterval"/>); null when the bin is empty or its accuracy is not finite.
    /// </summary>
    public double? AccuracyLower => Interval()?.Lower;

    /// <summary>Upper end of the 95% Wilson score interval for <see cref="Accuracy"/>; null when empty.</summary>
    public double? AccuracyUpper => Interval()?.Upper;

    private (double Lower, double Upper)? Interval() =>
        Count > 0 && Accuracy is double p && double.IsFinite(p) && p is >= 0 and <= 1
            ? WilsonInterval.Compute(p, Count)
            : null;
}
