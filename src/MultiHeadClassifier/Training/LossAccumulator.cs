using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Training;

/// <summary>Sums per-head weighted NLL numerators and weight denominators over batches (in double).</summary>
internal sealed class LossAccumulator(int heads)
{
    private readonly double[] _numerator = new double[heads];
    private readonly double[] _denominator = new double[heads];

    public void Add(ReadOnlySpan<float> numerator, ReadOnlySpan<float> denominator)
    {
        for (int h = 0; h < _numerator.Length; h++)
        {
            _numerator[h] += numerator[h];
            _denominator[h] += denominator[h];
        }
    }

    /// <summary>Per-head weighted means; 0 for a head without labelled rows.</summary>
    public IReadOnlyDictionary<string, double> PerHead(IReadOnlyList<HeadDefinition> heads)
    {
        var result = new Dictionary<string, double>(heads.Count, StringComparer.Ordinal);
        for (int h = 0; h < heads.Count; h++)
        {
            result[heads[h].Name] = _denominator[h] > 0 ? _numerator[h] / _denominator[h] : 0;
        }

        return result;
    }
}
