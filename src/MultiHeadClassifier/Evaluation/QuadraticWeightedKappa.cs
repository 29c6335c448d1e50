namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Cohen's kappa with quadratic weights, defined exactly as scikit-learn's
/// cohen_kappa_score(y_true, y_pred, weights='quadratic') with its default label set. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// The label set is the ascending union of the classes that occur among the labels or the predictions of the
/// labelled rows (rows labelled −1 are left out). With O the confusion matrix over that set, n its total and
/// E = outer(row sums, column sums) / n, the weights are (i − j)² on the POSITIONS i, j of the classes in the
/// set, not on the class values: with classes {0, 2} present, 0 and 2 are one step apart.
/// kappa = 1 − Σ w·O / Σ w·E.
/// </para>
/// <para>
/// When Σ w·E is 0, which happens exactly when only one class occurs among labels and predictions together,
/// scikit-learn returns NaN. Here the value is null and <see cref="KappaResult.UndefinedReason"/> says why, so
/// a report never shows NaN silently. The same holds when there are no labelled rows.
/// </para>
/// </remarks>
internal static class QuadraticWeightedKappa
{
    /// <summary>Reason given when only one class occurs among labels and predictions.</summary>
    public const string SingleClassReason = "undefined: only one class present in labels and predictions";

    /// <summary>Reason given when no row has a label.</summary>
    public const string NoLabelsReason = "undefined: no labelled rows";

    /// <summary>Computes the quadratic weighted kappa over the labelled rows.</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>The kappa, or a reason why it is undefined.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static KappaResult Compute(int[] labels, int[] predictions, int classCount) =>
        Compute(LabelledPairs.Create(labels, predictions, classCount));

    internal static KappaResult Compute(LabelledPairs pairs) => Compute(pairs.Confusion());

    /// <summary>The kappa from a K × K confusion matrix [true, predicted] of labelled rows: integer counts only.</summary>
    internal static KappaResult Compute(long[,] confusion)
    {
        long total = ClassificationMetrics.Total(confusion);
        if (total == 0)
        {
            return new KappaResult(null, NoLabelsReason);
        }

        int[] present = ClassificationMetrics.PresentClasses(confusion);
        int m = present.Length;
        var observed = new double[m, m];
        var rowSums = new double[m];
        var colSums = new double[m];
        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
            {
                double count = confusion[present[a], present[b]];
                observed[a, b] = count;
                rowSums[a] += count;
                colSums[b] += count;
            }
        }

        double n = total;
        double weightedObserved = 0;
        double weightedExpected = 0;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double w = (double)(i - j) * (i - j);
                weightedObserved += w * observed[i, j];
                weightedExpected += w * rowSums[i] * colSums[j] / n;
            }
        }

        if (weightedExpected == 0)
        {
            return new KappaResult(null, SingleClassReason);
        }

        return new KappaResult(1 - (weightedObserved / weightedExpected), null);
    }
}
