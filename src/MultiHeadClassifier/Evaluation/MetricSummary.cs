namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// The scalar metrics of one head, or their means over heads. A null value means the metric is undefined (no
/// labelled rows, or a kappa with a single class present); it is never NaN.
/// </summary>
/// <param name="Accuracy">accuracy_score of the decision rule's predictions.</param>
/// <param name="BalancedAccuracy">balanced_accuracy_score of the predictions.</param>
/// <param name="MacroF1">f1_score(average='macro', zero_division=0) of the predictions.</param>
/// <param name="Qwk">Quadratic weighted kappa of the predictions; see <see cref="QuadraticWeightedKappa"/>.</param>
/// <param name="Mae">Mean absolute error of the predictions, in classes.</param>
/// <param name="Nll">Mean negative log-likelihood of the probabilities, in nats.</param>
/// <param name="Brier">Multi-class Brier score of the probabilities (summed over classes).</param>
/// <param name="Ece">Expected calibration error of the probabilities, 15 bins.</param>
/// <remarks>
/// The ordinal and calibration metrics added later (<see cref="Amae"/>, <see cref="Rmse"/>,
/// <see cref="ClasswiseEce"/>, <see cref="AdaptiveEce"/>) are init-only properties rather than constructor
/// parameters, so code that constructs a summary from the first eight keeps compiling.
/// </remarks>
public sealed record MetricSummary(
    double? Accuracy,
    double? BalancedAccuracy,
    double? MacroF1,
    double? Qwk,
    double? Mae,
    double? Nll,
    double? Brier,
    double? Ece)
{
    /// <summary>
    /// Macro-averaged MAE of the predictions, in classes: the mean over the classes present among the labels of
    /// the MAE within each class; see <see cref="ClassificationMetrics"/>.
    /// </summary>
    /// <value>Default null (undefined).</value>
    public double? Amae { get; init; }

    /// <summary>Root mean squared error of the predictions, in classes.</summary>
    /// <value>Default null (undefined).</value>
    public double? Rmse { get; init; }

    /// <summary>Class-wise ECE of the probabilities: the mean over all K classes of each class's ECE, 15 equal-width bins.</summary>
    /// <value>Default null (undefined).</value>
    public double? ClasswiseEce { get; init; }

    /// <summary>Adaptive ECE of the probabilities: top-label ECE over 15 equal-mass bins.</summary>
    /// <value>Default null (undefined).</value>
    public double? AdaptiveEce { get; init; }

    /// <summary>
    /// The mean of each metric over the summaries that have a value for it; null where none has.
    /// </summary>
    /// <param name="summaries">Summaries of several heads.</param>
    /// <returns>The per-metric means.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="summaries"/> is null.</exception>
    public static MetricSummary Mean(IEnumerable<MetricSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        List<MetricSummary> list = [.. summaries];
        return new MetricSummary(
            MeanOf(list, s => s.Accuracy),
            MeanOf(list, s => s.BalancedAccuracy),
            MeanOf(list, s => s.MacroF1),
            MeanOf(list, s => s.Qwk),
            MeanOf(list, s => s.Mae),
            MeanOf(list, s => s.Nll),
            MeanOf(list, s => s.Brier),
            MeanOf(list, s => s.Ece))
        {
            Amae = MeanOf(list, s => s.Amae),
            Rmse = MeanOf(list, s => s.Rmse),
            ClasswiseEce = MeanOf(list, s => s.ClasswiseEce),
            AdaptiveEce = MeanOf(list, s => s.AdaptiveEce),
        };
    }

    private static double? MeanOf(List<MetricSummary> list, Func<MetricSummary, double?> select)
    {
        double sum = 0;
        int count = 0;
        foreach (MetricSummary summary in list)
        {
            if (select(summary) is double value)
            {
                sum += value;
                count++;
            }
        }

        return count == 0 ? null : sum / count;
    }
}
