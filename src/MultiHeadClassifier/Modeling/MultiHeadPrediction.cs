namespace MultiHeadClassifier.Modeling;

/// <summary>
/// The raw logits of every head for a set of rows, as plain arrays (rows × classes).
/// No re-weighting or correction has been applied. Immutable.
/// </summary>
public sealed class MultiHeadPrediction
{
    /// <summary>Creates a prediction.</summary>
    /// <param name="logits">Logits keyed by head name, in head order.</param>
    /// <exception cref="ArgumentException">No heads, or heads with different row counts.</exception>
    public MultiHeadPrediction(IReadOnlyDictionary<string, float[,]> logits)
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

        Logits = logits;
        RowCount = rows;
    }

    /// <summary>The raw logits, rows × classes, keyed by head name in head order.</summary>
    public IReadOnlyDictionary<string, float[,]> Logits { get; }

    /// <summary>The number of rows.</summary>
    public int RowCount { get; }

    /// <summary>The raw logits of one head.</summary>
    /// <param name="head">The head name.</param>
    /// <returns>Rows × classes.</returns>
    /// <exception cref="KeyNotFoundException">No head has that name.</exception>
    public float[,] this[string head] => Logits.TryGetValue(head, out var values)
        ? values
        : throw new KeyNotFoundException($"No head is named '{head}'; the heads are {string.Join(", ", Logits.Keys)}.");
}
