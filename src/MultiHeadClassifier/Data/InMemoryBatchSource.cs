namespace MultiHeadClassifier.Data;

/// <summary>
/// An <see cref="IMultiHeadBatchSource"/> over batches already in memory, returned in the given order every
/// epoch. Mostly useful for tests and for adapting other data pipelines.
/// </summary>
public sealed class InMemoryBatchSource : IMultiHeadBatchSource
{
    private readonly IReadOnlyList<MultiHeadDataset> _batches;

    /// <summary>Creates the source.</summary>
    /// <param name="batches">The batches, in order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="batches"/> is null.</exception>
    /// <exception cref="ArgumentException">No batches are given.</exception>
    public InMemoryBatchSource(IReadOnlyList<MultiHeadDataset> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
        {
            throw new ArgumentException("A batch source needs at least one batch.", nameof(batches));
        }

        _batches = [.. batches];
    }

    /// <inheritdoc />
    public IEnumerable<MultiHeadDataset> GetBatches(int epoch) => _batches;
}
