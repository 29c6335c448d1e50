namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// What adaptive ECE needs of every labelled row, kept in row order: its top-label confidence and whether its top
/// class is the label, packed into one double (the confidence, negated for a hit; confidences are never negative,
/// and −0 keeps its sign bit). This is the one piece of evaluation state that grows with the rows: 8 bytes per
/// labelled row, held in blocks of <see cref="BlockSize"/> so that growing never copies what is already held.
/// Not thread-safe.
/// </summary>
internal sealed class ConfidenceRecord
{
    /// <summary>Rows per block: 65,536 (512 KiB).</summary>
    internal const int BlockSize = 1 << 16;

    private readonly List<double[]> _blocks = [];

    /// <summary>The number of rows recorded.</summary>
    public int Count { get; private set; }

    /// <summary>Records one labelled row.</summary>
    /// <param name="confidence">Its top-label confidence, non-negative.</param>
    /// <param name="hit">Whether its most probable class is its label.</param>
    public void Add(double confidence, bool hit)
    {
        int offset = Count % BlockSize;
        if (offset == 0)
        {
            _blocks.Add(new double[BlockSize]);
        }

        _blocks[^1][offset] = hit ? -confidence : confidence;
        Count = checked(Count + 1);
    }

    /// <summary>The confidence of row <paramref name="i"/> (in recording order).</summary>
    public double Confidence(int i) => Math.Abs(Packed(i));

    /// <summary>Whether row <paramref name="i"/> (in recording order) is a hit.</summary>
    public bool Hit(int i) => double.IsNegative(Packed(i));

    private double Packed(int i) => _blocks[i / BlockSize][i % BlockSize];
}
