namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Metrics that compare labels with predicted classes, with the same definitions as scikit-learn. Labels of −1
/// mark missing rows, which are left out; a metric over no labelled rows is null. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// Every method validates its input: labels in −1..K−1, predictions in 0..K−1, equal lengths, K ≥ 1; and throws
/// <see cref="ArgumentException"/> (or <see cref="ArgumentNullException"/>) naming the bad row otherwise.
/// </remarks>
internal static class ClassificationMetrics
{
    /// <summary>Fraction of labelled rows predicted exactly (scikit-learn accuracy_score).</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>The accuracy, or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static double? Accuracy(int[] labels, int[] predictions, int classCount) =>
        Accuracy(LabelledPairs.Create(labels, predictions, classCount));

    /// <summary>
    /// Mean recall over the classes that occur among the labels (scikit-learn balanced_accuracy_score): classes
    /// that are only predicted have no recall and are left out of the mean.
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>The balanced accuracy, or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static double? BalancedAccuracy(int[] labels, int[] predictions, int classCount) =>
        BalancedAccuracy(LabelledPairs.Create(labels, predictions, classCount));

    /// <summary>
    /// Unweighted mean of per-class F1 over the classes that occur among the labels or the predictions of the
    /// labelled rows (scikit-learn f1_score with average='macro', zero_division=0). Classes absent from both
    /// are not counted.
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>The macro F1, or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static double? MacroF1(int[] labels, int[] predictions, int classCount) =>
        MacroF1(LabelledPairs.Create(labels, predictions, classCount));

    /// <summary>Mean of |label − prediction| over labelled rows, on class indices (mean_absolute_error).</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>The mean absolute error, or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static double? MeanAbsoluteError(int[] labels, int[] predictions, int classCount) =>
        MeanAbsoluteError(LabelledPairs.Create(labels, predictions, classCount));

    /// <summary>
    /// Macro-averaged mean absolute error (Baccianella, Esuli and Sebastiani, 2009): for each class that occurs
    /// among the labels, the mean of |label − prediction| over the rows of that class; then the unweighted mean
    /// of these per-class errors. Classes absent from the labels have no rows to measure and are left out of the
    /// mean (as in balanced accuracy), so the divisor is the number of classes present, not K.
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>The macro-averaged MAE in classes, or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static double? MacroAveragedMeanAbsoluteError(int[] labels, int[] predictions, int classCount) =>
        MacroAveragedMeanAbsoluteError(LabelledPairs.Create(labels, predictions, classCount));

    /// <summary>Square root of the mean of (label − prediction)² over labelled rows, on class indices.</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>The root mean squared error in classes, or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static double? RootMeanSquaredError(int[] labels, int[] predictions, int classCount) =>
        RootMeanSquaredError(LabelledPairs.Create(labels, predictions, classCount));

    /// <summary>
    /// K × K counts over labelled rows: rows are true classes, columns predicted classes (confusion_matrix with
    /// labels = 0..K−1).
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>A new K × K matrix.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static long[,] ConfusionMatrix(int[] labels, int[] predictions, int classCount) =>
        LabelledPairs.Create(labels, predictions, classCount).Confusion();

    /// <summary>Precision, recall, F1 and support for every class 0..K−1 (zero_division=0).</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">K, the number of classes.</param>
    /// <returns>The per-class metrics; all zero when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The lengths differ or a label or prediction is out of range.</exception>
    public static PerClassMetrics PerClass(int[] labels, int[] predictions, int classCount) =>
        PerClass(LabelledPairs.Create(labels, predictions, classCount));

    internal static double? Accuracy(LabelledPairs pairs) => Accuracy(pairs.Confusion());

    internal static double? BalancedAccuracy(LabelledPairs pairs) => BalancedAccuracy(pairs.Confusion());

    internal static double? MacroF1(LabelledPairs pairs) => MacroF1(pairs.Confusion());

    internal static double? MeanAbsoluteError(LabelledPairs pairs) => MeanAbsoluteError(pairs.Confusion());

    internal static double? MacroAveragedMeanAbsoluteError(LabelledPairs pairs) => MacroAveragedMeanAbsoluteError(pairs.Confusion());

    internal static double? RootMeanSquaredError(LabelledPairs pairs) => RootMeanSquaredError(pairs.Confusion());

    internal static PerClassMetrics PerClass(LabelledPairs pairs) => PerClass(pairs.Confusion());

    /// <summary>The number of labelled rows a K × K confusion matrix counts.</summary>
    internal static long Total(long[,] confusion)
    {
        long n = 0;
        foreach (long count in confusion)
        {
            n += count;
        }

        return n;
    }

    /// <summary>The union of classes that occur among the labels (rows) or the predictions (columns), ascending.</summary>
    internal static int[] PresentClasses(long[,] confusion)
    {
        int k = confusion.GetLength(0);
        var result = new List<int>();
        for (int c = 0; c < k; c++)
        {
            bool present = false;
            for (int j = 0; j < k && !present; j++)
            {
                present = confusion[c, j] > 0 || confusion[j, c] > 0;
            }

            if (present)
            {
                result.Add(c);
            }
        }

        return [.. result];
    }

    // Every metric below is a function of the confusion matrix [true, predicted] alone: integer counts, so the
    // result does not depend on the order in which rows were counted (streamed or whole, it is the same number).
    internal static double? Accuracy(long[,] confusion)
    {
        long n = Total(confusion);
        if (n == 0)
        {
            return null;
        }

        long correct = 0;
        for (int c = 0; c < confusion.GetLength(0); c++)
        {
            correct += confusion[c, c];
        }

        return (double)correct / n;
    }

    internal static double? BalancedAccuracy(long[,] confusion) =>
        Total(confusion) == 0 ? null : MeanOverLabelledClasses(confusion, c => confusion[c, c]);

    internal static double? MacroF1(long[,] confusion)
    {
        if (Total(confusion) == 0)
        {
            return null;
        }

        PerClassMetrics perClass = PerClass(confusion);
        int[] present = PresentClasses(confusion);
        double sum = 0;
        foreach (int c in present)
        {
            sum += perClass.F1[c];
        }

        return sum / present.Length;
    }

    internal static double? MeanAbsoluteError(long[,] confusion)
    {
        long n = Total(confusion);
        return n == 0 ? null : (double)DistanceTotal(confusion, squared: false) / n;
    }

    internal static double? MacroAveragedMeanAbsoluteError(long[,] confusion) =>
        Total(confusion) == 0 ? null : MeanOverLabelledClasses(confusion, c => RowDistanceTotal(confusion, c, squared: false));

    internal static double? RootMeanSquaredError(long[,] confusion)
    {
        long n = Total(confusion);
        return n == 0 ? null : Math.Sqrt((double)DistanceTotal(confusion, squared: true) / n);
    }

    /// <summary>The mean, over the classes with at least one true row, of <paramref name="numerator"/>(c) / that class's rows.</summary>
    private static double MeanOverLabelledClasses(long[,] confusion, Func<int, long> numerator)
    {
        double sum = 0;
        int classes = 0;
        for (int c = 0; c < confusion.GetLength(0); c++)
        {
            long rows = RowSum(confusion, c);
            if (rows > 0)
            {
                sum += (double)numerator(c) / rows;
                classes++;
            }
        }

        return sum / classes;
    }

    /// <summary>Σ over every cell of |true − predicted| (squared when <paramref name="squared"/>) × its count (integers, so exact).</summary>
    private static long DistanceTotal(long[,] confusion, bool squared)
    {
        long total = 0;
        for (int c = 0; c < confusion.GetLength(0); c++)
        {
            total += RowDistanceTotal(confusion, c, squared);
        }

        return total;
    }

    /// <summary>Σ over true class <paramref name="c"/>'s row of |c − predicted| (squared when <paramref name="squared"/>) × its count.</summary>
    private static long RowDistanceTotal(long[,] confusion, int c, bool squared)
    {
        long total = 0;
        for (int j = 0; j < confusion.GetLength(1); j++)
        {
            long d = Math.Abs(c - j);
            total += (squared ? d * d : d) * confusion[c, j];
        }

        return total;
    }

    private static long RowSum(long[,] confusion, int c)
    {
        long sum = 0;
        for (int j = 0; j < confusion.GetLength(1); j++)
        {
            sum += confusion[c, j];
        }

        return sum;
    }

    internal static PerClassMetrics PerClass(long[,] confusion)
    {
        int k = confusion.GetLength(0);
        var precision = new double[k];
        var recall = new double[k];
        var f1 = new double[k];
        var support = new int[k];
        for (int c = 0; c < k; c++)
        {
            long tp = confusion[c, c];
            long rowSum = RowSum(confusion, c);
            long colSum = 0;
            for (int j = 0; j < k; j++)
            {
                colSum += confusion[j, c];
            }

            long fn = rowSum - tp;
            long fp = colSum - tp;
            precision[c] = colSum == 0 ? 0 : (double)tp / colSum;
            recall[c] = rowSum == 0 ? 0 : (double)tp / rowSum;
            long denominator = (2 * tp) + fp + fn;
            f1[c] = denominator == 0 ? 0 : 2.0 * tp / denominator;
            support[c] = checked((int)rowSum);
        }

        return new PerClassMetrics(precision, recall, f1, support);
    }
}
