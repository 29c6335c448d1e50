using System.Buffers;
using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Expected calibration error (ECE) and the reliability diagram behind it, from top-label confidence; and two
/// variants: class-wise ECE (every class's probability, equal-width bins) and adaptive ECE (top-label confidence,
/// equal-mass bins). Stateless and thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// For each labelled row the confidence is its largest probability and the row is correct when its most
/// probable class (lowest index on ties) equals the label; this uses the probabilities, not a decision rule.
/// Rows fall into <see cref="BinCount"/> equal-width bins, bin b covering (b/15, (b+1)/15] with the first bin
/// also taking a confidence of 0. ECE = Σ_b (n_b / N) · |accuracy_b − mean confidence_b|.
/// </para>
/// <para>Rows labelled −1 are left out. With no labelled rows the ECE is null and every bin is empty.</para>
/// </remarks>
internal static class CalibrationError
{
    /// <summary>The number of equal-width confidence bins: 15.</summary>
    public const int BinCount = 15;

    /// <summary>The expected calibration error over the labelled rows.</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K (finite, non-negative, rows summing to 1).</param>
    /// <returns>The ECE in [0, 1], or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The probabilities or labels are invalid or their row counts differ.</exception>
    public static double? ExpectedCalibrationError(int[] labels, double[,] probabilities) =>
        ExpectedCalibrationError(ReliabilityDiagram(labels, probabilities));

    /// <summary>The <see cref="BinCount"/> bins of the reliability diagram, lowest confidence first.</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K (finite, non-negative, rows summing to 1).</param>
    /// <returns>All bins, including empty ones.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The probabilities or labels are invalid or their row counts differ.</exception>
    public static IReadOnlyList<ReliabilityBin> ReliabilityDiagram(int[] labels, double[,] probabilities)
    {
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities));
        LabelledPairs pairs = LabelledPairs.CreateFromLabels(labels, probabilities.GetLength(0), probabilities.GetLength(1));
        return ReliabilityDiagram(pairs, probabilities);
    }

    /// <summary>The ECE from a reliability diagram; null when every bin is empty.</summary>
    /// <param name="bins">Bins as returned by <see cref="ReliabilityDiagram(int[], double[,])"/>.</param>
    /// <returns>Σ_b (n_b / N) · |accuracy_b − mean confidence_b|, or null when N is 0.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bins"/> is null.</exception>
    public static double? ExpectedCalibrationError(IReadOnlyList<ReliabilityBin> bins)
    {
        ArgumentNullException.ThrowIfNull(bins);
        long total = 0;
        foreach (ReliabilityBin bin in bins)
        {
            total += bin.Count;
        }

        if (total == 0)
        {
            return null;
        }

        double ece = 0;
        foreach (ReliabilityBin bin in bins)
        {
            if (bin.Count > 0)
            {
                ece += (double)bin.Count / total * Math.Abs(bin.Accuracy!.Value - bin.MeanConfidence!.Value);
            }
        }

        return ece;
    }

    /// <summary>
    /// Class-wise ECE (Kull et al., NeurIPS 2019): for every class c in 0..K−1, the ECE of the probability p_c
    /// against the event "the label is c", over the same <see cref="BinCount"/> equal-width bins; then the
    /// unweighted mean over all K classes. A class absent from the labels is included: its ECE is the mean
    /// probability the head gave it, the mass it assigns to something that never happens.
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K (finite, non-negative, rows summing to 1).</param>
    /// <returns>The class-wise ECE in [0, 1], or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The probabilities or labels are invalid or their row counts differ.</exception>
    public static double? ClasswiseCalibrationError(int[] labels, double[,] probabilities)
    {
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities));
        LabelledPairs pairs = LabelledPairs.CreateFromLabels(labels, probabilities.GetLength(0), probabilities.GetLength(1));
        return ClasswiseCalibrationError(ClassReliabilityDiagrams(pairs, probabilities));
    }

    /// <summary>
    /// Adaptive ECE: the ECE of top-label confidence over <see cref="BinCount"/> equal-mass bins instead of
    /// equal-width ones. The labelled rows are sorted by confidence, ascending (rows with equal confidence keep
    /// their row order), and cut into 15 consecutive groups whose sizes differ by at most one, the larger groups
    /// first: with N rows, the first N mod 15 groups hold ⌈N/15⌉ rows and the others ⌊N/15⌋ (numpy's
    /// <c>array_split</c> of a stable <c>argsort</c>). With fewer than 15 rows the last groups are empty.
    /// AECE = Σ_b (n_b / N) · |accuracy_b − mean confidence_b|.
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K (finite, non-negative, rows summing to 1).</param>
    /// <returns>The adaptive ECE in [0, 1], or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The probabilities or labels are invalid or their row counts differ.</exception>
    public static double? AdaptiveCalibrationError(int[] labels, double[,] probabilities)
    {
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities));
        LabelledPairs pairs = LabelledPairs.CreateFromLabels(labels, probabilities.GetLength(0), probabilities.GetLength(1));
        return AdaptiveCalibrationError(pairs, probabilities);
    }

    /// <summary>
    /// The per-class reliability diagrams behind <see cref="ClasswiseCalibrationError(int[], double[,])"/>: for
    /// each class c, <see cref="BinCount"/> equal-width bins of p_c, where a bin's <see cref="ReliabilityBin.MeanConfidence"/>
    /// is the mean p_c of its rows and its <see cref="ReliabilityBin.Accuracy"/> is the fraction of them labelled c.
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K (finite, non-negative, rows summing to 1).</param>
    /// <returns>K lists of 15 bins, class 0 first.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The probabilities or labels are invalid or their row counts differ.</exception>
    public static IReadOnlyList<IReadOnlyList<ReliabilityBin>> ClassReliabilityDiagrams(int[] labels, double[,] probabilities)
    {
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities));
        LabelledPairs pairs = LabelledPairs.CreateFromLabels(labels, probabilities.GetLength(0), probabilities.GetLength(1));
        return ClassReliabilityDiagrams(pairs, probabilities);
    }

    /// <summary>The mean over classes of each class's ECE; null when no row is labelled.</summary>
    /// <param name="classBins">Per-class bins as returned by <see cref="ClassReliabilityDiagrams(int[], double[,])"/>.</param>
    /// <returns>The class-wise ECE, or null when every bin is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="classBins"/> is null.</exception>
    public static double? ClasswiseCalibrationError(IReadOnlyList<IReadOnlyList<ReliabilityBin>> classBins)
    {
        ArgumentNullException.ThrowIfNull(classBins);
        double sum = 0;
        foreach (IReadOnlyList<ReliabilityBin> bins in classBins)
        {
            if (ExpectedCalibrationError(bins) is not double ece)
            {
                return null;
            }

            sum += ece;
        }

        return classBins.Count == 0 ? null : sum / classBins.Count;
    }

    internal static IReadOnlyList<ReliabilityBin> ReliabilityDiagram(LabelledPairs pairs, double[,] probabilities)
    {
        var bins = new ReliabilityBinCounts();
        for (int i = 0; i < pairs.Count; i++)
        {
            int top = TopClass(probabilities, pairs.Rows[i]);
            bins.Add(probabilities[pairs.Rows[i], top], top == pairs.Truth[i]);
        }

        return bins.ToBins();
    }

    internal static IReadOnlyList<IReadOnlyList<ReliabilityBin>> ClassReliabilityDiagrams(LabelledPairs pairs, double[,] probabilities)
    {
        int k = probabilities.GetLength(1);
        var result = new IReadOnlyList<ReliabilityBin>[k];
        for (int c = 0; c < k; c++)
        {
            var bins = new ReliabilityBinCounts();
            for (int i = 0; i < pairs.Count; i++)
            {
                bins.Add(probabilities[pairs.Rows[i], c], pairs.Truth[i] == c);
            }

            result[c] = bins.ToBins();
        }

        return result;
    }

    internal static double? AdaptiveCalibrationError(LabelledPairs pairs, double[,] probabilities)
    {
        var record = new ConfidenceRecord();
        for (int i = 0; i < pairs.Count; i++)
        {
            int top = TopClass(probabilities, pairs.Rows[i]);
            record.Add(probabilities[pairs.Rows[i], top], top == pairs.Truth[i]);
        }

        return AdaptiveCalibrationError(record);
    }

    /// <summary>
    /// Adaptive ECE from the recorded rows: sorts their confidences with a stable order (rows with equal confidence
    /// keep their recording order), then cuts the 15 equal-mass groups. Needs 12 bytes per row while it runs (the
    /// sorted confidences and their row indices), on top of the record.
    /// </summary>
    internal static double? AdaptiveCalibrationError(ConfidenceRecord record)
    {
        int n = record.Count;
        if (n == 0)
        {
            return null;
        }

        if (record.HasSpilled)
        {
            return SpilledAdaptiveCalibrationError(record);
        }

        // Pooled buffers: the heads of a report are sorted one after another, so they share one pair.
        double[] sorted = ArrayPool<double>.Shared.Rent(n);
        int[] order = ArrayPool<int>.Shared.Rent(n);
        try
        {
            for (int i = 0; i < n; i++)
            {
                sorted[i] = record.Confidence(i);
                order[i] = i;
            }

            ConfidenceRecord.SortStably(sorted, order, n);
            return EqualMassError(record, sorted, order, n);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sorted);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    /// <summary>
    /// Adaptive ECE of a record that wrote sorted runs to its temporary file: merges the runs and the sorted
    /// in-memory rows, taking the earliest run on equal confidences, which gives exactly the stable sort of all the
    /// rows; then sums each equal-mass group in that order, as <see cref="EqualMassError"/> does, so the result is
    /// the same to the bit. Needs one read buffer per run (64 KiB) and 20 bytes per in-memory row while it runs.
    /// </summary>
    private static double SpilledAdaptiveCalibrationError(ConfidenceRecord record)
    {
        const int bufferRows = 8192;
        int n = record.Count;
        IReadOnlyList<int> runLengths = record.RunLengths;
        int runs = runLengths.Count + (record.InMemoryCount > 0 ? 1 : 0);
        var buffers = new double[runs][];
        var positions = new int[runs];
        var filled = new int[runs];
        var nextIndex = new long[runs];
        var ends = new long[runs];
        long start = 0;
        for (int r = 0; r < runLengths.Count; r++)
        {
            nextIndex[r] = start;
            start += runLengths[r];
            ends[r] = start;
            buffers[r] = new double[Math.Min(bufferRows, runLengths[r])];
        }

        if (runs > runLengths.Count)
        {
            // The last rows are still in memory: their sorted packed values are the last run's one buffer.
            int last = runs - 1;
            buffers[last] = new double[record.InMemoryCount];
            record.SortInMemory(buffers[last]);
            filled[last] = record.InMemoryCount;
        }

        bool Refill(int r)
        {
            if (positions[r] < filled[r])
            {
                return true;
            }

            if (r >= runLengths.Count || nextIndex[r] == ends[r])
            {
                return false;
            }

            int count = (int)Math.Min(buffers[r].Length, ends[r] - nextIndex[r]);
            record.ReadSpilled(nextIndex[r], buffers[r].AsSpan(0, count));
            nextIndex[r] += count;
            filled[r] = count;
            positions[r] = 0;
            return true;
        }

        // Smallest confidence first; on equal confidences the earlier run, whose rows were recorded earlier.
        var queue = new PriorityQueue<int, (double Confidence, int Run)>();
        for (int r = 0; r < runs; r++)
        {
            if (Refill(r))
            {
                queue.Enqueue(r, (Math.Abs(buffers[r][positions[r]]), r));
            }
        }

        double ece = 0;
        for (int b = 0; b < BinCount; b++)
        {
            int size = (n / BinCount) + (b < n % BinCount ? 1 : 0);
            double confidenceSum = 0;
            int correct = 0;
            for (int j = 0; j < size; j++)
            {
                int r = queue.Dequeue();
                double packed = buffers[r][positions[r]++];
                confidenceSum += Math.Abs(packed);
                correct += double.IsNegative(packed) ? 1 : 0;
                if (Refill(r))
                {
                    queue.Enqueue(r, (Math.Abs(buffers[r][positions[r]]), r));
                }
            }

            ece += Math.Abs(correct - confidenceSum) / n;
        }

        return ece;
    }

    /// <summary>Σ_b |hits_b − Σ confidence_b| / N over the 15 equal-mass groups of the first n sorted rows.</summary>
    private static double EqualMassError(ConfidenceRecord record, double[] sorted, int[] order, int n)
    {
        double ece = 0;
        int first = 0;
        for (int b = 0; b < BinCount; b++)
        {
            int size = (n / BinCount) + (b < n % BinCount ? 1 : 0);
            double confidenceSum = 0;
            int correct = 0;
            for (int j = first; j < first + size; j++)
            {
                confidenceSum += sorted[j];
                correct += record.Hit(order[j]) ? 1 : 0;
            }

            ece += Math.Abs(correct - confidenceSum) / n;
            first += size;
        }

        return ece;
    }

    /// <summary>The most probable class of a row, the lowest index on ties.</summary>
    internal static int TopClass(double[,] probabilities, int row)
    {
        int top = 0;
        for (int c = 1; c < probabilities.GetLength(1); c++)
        {
            if (probabilities[row, c] > probabilities[row, top])
            {
                top = c;
            }
        }

        return top;
    }
}
