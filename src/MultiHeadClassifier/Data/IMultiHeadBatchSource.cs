namespace MultiHeadClassifier.Data;

/// <summary>
/// A streaming source of training batches for data that does not fit in memory. Each call to
/// <see cref="GetBatches"/> starts a new pass over the data; the source decides the order (shuffle inside it
/// if wanted). Every batch must have the same feature width and label columns.
/// </summary>
public interface IMultiHeadBatchSource
{
    /// <summary>Enumerates one pass (epoch) over the data as batches.</summary>
    /// <param name="epoch">The 1-based epoch, so that a source can reshuffle deterministically per epoch.</param>
    /// <returns>The batches of this pass.</returns>
    IEnumerable<MultiHeadDataset> GetBatches(int epoch);
}
