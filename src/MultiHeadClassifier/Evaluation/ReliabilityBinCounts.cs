namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// The running sums behind one reliability diagram of <see cref="CalibrationError.BinCount"/> equal-width bins:
/// per bin, the row count, the sum of confidences and the number of hits. Rows are added one at a time, so the
/// sums are those of a single pass over the rows in order, however the rows arrive. Fixed size: 15 × (2 longs +
/// 1 double). Not thread-safe.
/// </summary>
internal sealed class ReliabilityBinCounts
{
    private readonly long[] _counts = new long[CalibrationError.BinCount];
    private readonly double[] _confidenceSums = new double[CalibrationError.BinCount];
    private readonly long[] _hits = new long[CalibrationError.BinCount];

    /// <summary>Adds one labelled row.</summary>
    /// <param name="confidence">Its confidence in [0, 1].</param>
    /// <param name="hit">Whether it is a hit.</param>
    public void Add(double confidence, bool hit)
    {
        int b = BinOf(confidence);
        _counts[b]++;
        _confidenceSums[b] += confidence;
        if (hit)
        {
            _hits[b]++;
        }
    }

    /// <summary>The bins, lowest confidence first, including empty ones.</summary>
    /// <returns>A new array of <see cref="CalibrationError.BinCount"/> bins.</returns>
    public ReliabilityBin[] ToBins()
    {
        var bins = new ReliabilityBin[CalibrationError.BinCount];
        for (int b = 0; b < bins.Length; b++)
        {
            long n = _counts[b];
            bins[b] = new ReliabilityBin(
                Edge(b),
                Edge(b + 1),
                checked((int)n),
                n == 0 ? null : _confidenceSums[b] / n,
                n == 0 ? null : (double)_hits[b] / n);
        }

        return bins;
    }

    /// <summary>The upper edge of bin b − 1 and lower edge of bin b: b / 15.</summary>
    private static double Edge(int b) => (double)b / CalibrationError.BinCount;

    /// <summary>The first bin whose upper edge is at least the confidence; the last bin for anything above 1.</summary>
    private static int BinOf(double confidence)
    {
        for (int b = 0; b < CalibrationError.BinCount; b++)
        {
            if (confidence <= Edge(b + 1))
            {
                return b;
            }
        }

        return CalibrationError.BinCount - 1;
    }
}
