using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Expected calibration error (ECE) and the reliability diagram behind it, from top-label confidence.
/// Stateless and thread-safe.
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

    internal static IReadOnlyList<ReliabilityBin> ReliabilityDiagram(LabelledPairs pairs, double[,] probabilities)
    {
        int k = probabilities.GetLength(1);
        var counts = new int[BinCount];
        var confidenceSums = new double[BinCount];
        var correctCounts = new int[BinCount];
        for (int i = 0; i < pairs.Count; i++)
        {
            int r = pairs.Rows[i];
            int top = 0;
            for (int c = 1; c < k; c++)
            {
                if (probabilities[r, c] > probabilities[r, top])
                {
                    top = c;
                }
            }

            double confidence = probabilities[r, top];
            int b = BinOf(confidence);
            counts[b]++;
            confidenceSums[b] += confidence;
            if (top == pairs.Truth[i])
            {
                correctCounts[b]++;
            }
        }

        var bins = new ReliabilityBin[BinCount];
        for (int b = 0; b < BinCount; b++)
        {
            bins[b] = new ReliabilityBin(
                Edge(b),
                Edge(b + 1),
                counts[b],
                counts[b] == 0 ? null : confidenceSums[b] / counts[b],
                counts[b] == 0 ? null : (double)correctCounts[b] / counts[b]);
        }

        return bins;
    }

    /// <summary>The upper edge of bin b − 1 and lower edge of bin b: b / 15.</summary>
    private static double Edge(int b) => (double)b / BinCount;

    /// <summary>The first bin whose upper edge is at least the confidence; the last bin for anything above 1.</summary>
    private static int BinOf(double confidence)
    {
        for (int b = 0; b < BinCount; b++)
        {
            if (confidence <= Edge(b + 1))
            {
                return b;
            }
        }

        return BinCount - 1;
    }
}
