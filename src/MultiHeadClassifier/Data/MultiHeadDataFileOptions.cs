namespace MultiHeadClassifier.Data;

/// <summary>Settings of a <see cref="MultiHeadDataFileSource"/>: batch size, shuffling and read chunk size. Immutable.</summary>
public sealed record MultiHeadDataFileOptions
{
    /// <summary>Rows per training batch; the last batch of an epoch holds the rest.</summary>
    /// <value>Default 256. At least 1.</value>
    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// Whether each epoch visits the rows in a new seeded order: a permutation of the chunks, then of the rows within
    /// each chunk, both drawn from <see cref="Seed"/> and the epoch number. Epoch 0 (the trainer's statistics pass)
    /// always reads the rows in file order. When false, every epoch reads the rows in file order.
    /// </summary>
    /// <value>Default true.</value>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// Seed of the per-epoch permutations; pass the trainer's seed so that a run, and its resumption from a
    /// checkpoint, see the same batches. The permutation is this library's own (SplitMix64 and Fisher–Yates), so it
    /// does not change with the .NET or TorchSharp version.
    /// </summary>
    /// <value>Default 0.</value>
    public long Seed { get; init; }

    /// <summary>Rows read from disk at a time, and the unit the shuffle permutes; memory holds one chunk and one batch.</summary>
    /// <value>Default 65,536. At least 1.</value>
    public int ChunkRows { get; init; } = 65_536;

    /// <summary>Reports every invalid setting.</summary>
    /// <returns>One message per invalid setting; empty when all are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (BatchSize < 1)
        {
            errors.Add($"BatchSize is {BatchSize}; it must be at least 1.");
        }

        if (ChunkRows < 1)
        {
            errors.Add($"ChunkRows is {ChunkRows}; it must be at least 1.");
        }

        return errors;
    }
}
