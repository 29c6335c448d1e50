namespace MultiHeadClassifier.Data;

/// <summary>
/// A batch source of this library that checks every row it returns: each batch has <see cref="FeatureCount"/> finite
/// features per row and, per label column h named <see cref="HeadNames"/>[h], labels in −1..<see cref="ClassCounts"/>[h]−1.
/// The trainer then skips its own per-batch checks when these facts already fit the model. Internal on purpose: a
/// user's <see cref="IMultiHeadBatchSource"/> cannot claim it, so arbitrary sources are always checked.
/// </summary>
internal interface ICheckedBatchSource : IMultiHeadBatchSource
{
    /// <summary>The number of features of every row.</summary>
    int FeatureCount { get; }

    /// <summary>The label columns' names, in column order, carried by every batch.</summary>
    IReadOnlyList<string> HeadNames { get; }

    /// <summary>Per label column, the bound its labels are checked against (labels are below it).</summary>
    IReadOnlyList<int> ClassCounts { get; }

    /// <summary>Hands back a batch of this source that the caller has finished with, so that its arrays can be reused.</summary>
    /// <param name="batch">The batch; neither the caller nor anyone else may use it afterwards.</param>
    void Recycle(MultiHeadDataset batch);
}
