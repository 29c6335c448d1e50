using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// The raw outputs of every head for a set of rows, as plain arrays (rows × outputs), and what kind of outputs
/// each head's are: K logits for a cross-entropy head, K−1 threshold outputs for a CORN or CORAL head
/// (<see cref="Kinds"/>). No re-weighting or correction has been applied unless the prediction came from a
/// correction. Immutable.
/// </summary>
public sealed class MultiHeadPrediction
{
    /// <summary>Creates a prediction.</summary>
    /// <param name="logits">Raw outputs keyed by head name, in head order.</param>
    /// <param name="kinds">Each head's output kind; a head not listed (or all, when null) holds K logits (<see cref="HeadLoss.CrossEntropy"/>).</param>
    /// <exception cref="ArgumentException">No heads, heads with different row counts, or a kind for an unknown head.</exception>
    public MultiHeadPrediction(IReadOnlyDictionary<string, float[,]> logits, IReadOnlyDictionary<string, HeadLoss>? kinds = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Count == 0)
        {
            throw new ArgumentException("A prediction needs at least one head.", nameof(logits));
        }

        int rows = logits.First().Value.GetLength(0);
        foreach (var (name, values) in logits)
        {
            if (values.GetLength(0) != rows)
            {
                throw new ArgumentException($"Head '{name}' has {values.GetLength(0)} rows, but the first head has {rows}.", nameof(logits));
            }
        }

        if (kinds?.Keys.FirstOrDefault(k => !logits.ContainsKey(k)) is { } unknown)
        {
            throw new ArgumentException($"A kind is given for head '{unknown}', which the prediction does not have.", nameof(kinds));
        }

        Logits = logits;
        RowCount = rows;
        Kinds = logits.Keys.ToDictionary(k => k, k => kinds is not null && kinds.TryGetValue(k, out var kind) ? kind : HeadLoss.CrossEntropy, StringComparer.Ordinal);
    }

    /// <summary>The raw outputs, rows × outputs, keyed by head name in head order.</summary>
    public IReadOnlyDictionary<string, float[,]> Logits { get; }

    /// <summary>What each head's outputs are, keyed by head name: <see cref="HeadLoss.CrossEntropy"/> for K class logits, <see cref="HeadLoss.Corn"/> or <see cref="HeadLoss.Coral"/> for K−1 threshold outputs.</summary>
    public IReadOnlyDictionary<string, HeadLoss> Kinds { get; }

    /// <summary>The number of rows.</summary>
    public int RowCount { get; }

    /// <summary>The raw outputs of one head.</summary>
    /// <param name="head">The head name.</param>
    /// <returns>Rows × outputs.</returns>
    /// <exception cref="KeyNotFoundException">No head has that name.</exception>
    public float[,] this[string head] => Logits.TryGetValue(head, out var values)
        ? values
        : throw new KeyNotFoundException($"No head is named '{head}'; the heads are {string.Join(", ", Logits.Keys)}.");
}
