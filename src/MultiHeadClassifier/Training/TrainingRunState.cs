using MultiHeadClassifier.Heads;

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

    /// <summary>
    /// Checks a state read from a checkpoint: epochs numbered 1, 2, 3, … with finite, non-negative losses for exactly
    /// the model's heads, and an early-stopping state that points at one of them and has best weights exactly when
    /// it has a best epoch.
    /// </summary>
    /// <param name="heads">The model's heads.</param>
    /// <returns>Null when consistent; otherwise the first problem, naming the field as the checkpoint's JSON does.</returns>
    public string? FindProblem(IReadOnlyList<HeadDefinition> heads)
    {
        if (Epochs.Count == 0)
        {
            return "Epochs is empty, but a checkpoint is written at the end of an epoch";
        }

        for (int i = 0; i < Epochs.Count; i++)
        {
            if (FindEpochProblem(Epochs[i], i, heads) is { } problem)
            {
                return problem;
            }
        }

        return BestEpoch is { } best ? FindBestProblem(best) : FindNoBestProblem();
    }

    /// <summary>A copy, so that resuming one checkpoint twice starts from the same state both times.</summary>
    public TrainingRunState Clone() => new(Seed)
    {
        Epochs = [.. Epochs],
        BestEpoch = BestEpoch,
        BestLoss = BestLoss,
        EpochsWithoutImprovement = EpochsWithoutImprovement,
        BestWeights = BestWeights,
    };

    private static string? FindEpochProblem(EpochSummary? epoch, int index, IReadOnlyList<HeadDefinition> heads)
    {
        string at = $"Epochs[{index}]";
        if (epoch is null)
        {
            return $"{at} is null";
        }

        if (epoch.Epoch != index + 1)
        {
            return $"{at}.Epoch is {epoch.Epoch}, but the epochs must be numbered 1, 2, 3, …";
        }

        if ((epoch.ValidationLoss is null) != (epoch.ValidationHeadLosses is null))
        {
            return $"{at} has only one of ValidationLoss and ValidationHeadLosses";
        }

        return FindLossProblem(epoch.TrainLoss, $"{at}.TrainLoss")
            ?? FindHeadLossProblem(epoch.TrainHeadLosses, heads, $"{at}.TrainHeadLosses")
            ?? (epoch.ValidationLoss is { } validation ? FindLossProblem(validation, $"{at}.ValidationLoss") : null)
            ?? (epoch.ValidationHeadLosses is { } perHead ? FindHeadLossProblem(perHead, heads, $"{at}.ValidationHeadLosses") : null)
            ?? FindLossProblem(epoch.LearningRate, $"{at}.LearningRate")
            ?? (epoch.Duration < TimeSpan.Zero ? $"{at}.Duration is negative" : null);
    }

    private static string? FindHeadLossProblem(IReadOnlyDictionary<string, double>? losses, IReadOnlyList<HeadDefinition> heads, string at)
    {
        if (losses is null)
        {
            return $"{at} is null";
        }

        foreach (var head in heads)
        {
            if (!losses.TryGetValue(head.Name, out double loss))
            {
                return $"{at} has no entry for head '{head.Name}'";
            }

            if (FindLossProblem(loss, $"{at}['{head.Name}']") is { } problem)
            {
                return problem;
            }
        }

        return losses.Count == heads.Count ? null : $"{at} has entries for heads the model does not have";
    }

    private static string? FindLossProblem(double value, string at) =>
        double.IsFinite(value) && value >= 0 ? null : $"{at} is {value}; it must be a finite number, not negative";

    private string? FindBestProblem(int best)
    {
        if (best < 1 || best > Epochs.Count)
        {
            return $"BestEpoch is {best}, but the checkpoint has epochs 1 to {Epochs.Count}";
        }

        if (Epochs[best - 1].ValidationLoss is null)
        {
            return $"BestEpoch is {best}, which has no validation loss";
        }

        if (BestWeights is null)
        {
            return $"BestEpoch is {best}, but the checkpoint has no best weights";
        }

        if (EpochsWithoutImprovement < 0 || EpochsWithoutImprovement > Epochs.Count - best)
        {
            return $"EpochsWithoutImprovement is {EpochsWithoutImprovement}, but there are {Epochs.Count - best} epochs after the best one";
        }

        // Early stopping records the best epoch's validation loss itself (see TrainingRun.ShouldStopEarly).
        double recorded = Epochs[best - 1].ValidationLoss!.Value;
        return BestLoss.Equals(recorded) ? null : $"BestLoss is {BestLoss}, but the validation loss of BestEpoch {best} is {recorded}";
    }

    private string? FindNoBestProblem() => this switch
    {
        { BestWeights: not null } => "the checkpoint has best weights, but BestEpoch is null",
        { EpochsWithoutImprovement: not 0 } => $"EpochsWithoutImprovement is {EpochsWithoutImprovement}, but BestEpoch is null",
        _ when !double.IsPositiveInfinity(BestLoss) => $"BestLoss is {BestLoss}, but BestEpoch is null, which leaves it at infinity",
        _ => null,
    };
}
