namespace MultiHeadClassifier.Training;

/// <summary>The bookkeeping of one training run that a checkpoint must carry besides tensors.</summary>
internal sealed class TrainingRunState(long seed)
{
    /// <summary>The seed the run started with.</summary>
    public long Seed { get; } = seed;

    /// <summary>Completed epochs.</summary>
    public List<EpochSummary> Epochs { get; init; } = [];

    /// <summary>Early stopping: the best epoch so far.</summary>
    public int? BestEpoch { get; set; }

    /// <summary>Early stopping: the best validation loss so far.</summary>
    public double BestLoss { get; set; } = double.PositiveInfinity;

    /// <summary>Early stopping: epochs since the last improvement.</summary>
    public int EpochsWithoutImprovement { get; set; }

    /// <summary>Early stopping: the best epoch's serialised weights.</summary>
    public byte[]? BestWeights { get; set; }

    /// <summary>A copy, so that resuming one checkpoint twice starts from the same state both times.</summary>
    public TrainingRunState Clone() => new(Seed)
    {
        Epochs = [.. Epochs],
        BestEpoch = BestEpoch,
        BestLoss = BestLoss,
        EpochsWithoutImprovement = EpochsWithoutImprovement,
        BestWeights = BestWeights,
    };
}
