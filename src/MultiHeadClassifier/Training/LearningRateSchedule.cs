namespace MultiHeadClassifier.Training;

/// <summary>
/// A per-epoch learning-rate schedule: the rate of epoch e (1-based) is the base rate times <see cref="Factor"/>.
/// Immutable and thread-safe.
/// </summary>
public abstract record LearningRateSchedule
{
    private protected LearningRateSchedule()
    {
    }

    /// <summary>Multiplies the rate by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs (PyTorch's StepLR).</summary>
    /// <param name="stepSize">Epochs between decays; at least 1.</param>
    /// <param name="gamma">Decay factor in (0, 1]. Default 0.1.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static LearningRateSchedule Step(int stepSize, double gamma = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        if (!(gamma > 0 && gamma <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, $"gamma must be in (0, 1], but was {gamma}.");
        }

        return new StepSchedule(stepSize, gamma);
    }

    /// <summary>Multiplies the rate by <paramref name="gamma"/> every epoch.</summary>
    /// <param name="gamma">Decay factor in (0, 1].</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is out of range.</exception>
    public static LearningRateSchedule Exponential(double gamma)
    {
        if (!(gamma > 0 && gamma <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, $"gamma must be in (0, 1], but was {gamma}.");
        }

        return new StepSchedule(1, gamma);
    }

    /// <summary>
    /// Cosine annealing over the run: factor = m + (1 − m)·(1 + cos(π·(e − 1)/E))/2 for epoch e of E, where m is
    /// <paramref name="minFactor"/>.
    /// </summary>
    /// <param name="minFactor">The final factor, in [0, 1]. Default 0.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minFactor"/> is out of range.</exception>
    public static LearningRateSchedule Cosine(double minFactor = 0)
    {
        if (!(minFactor >= 0 && minFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, $"minFactor must be in [0, 1], but was {minFactor}.");
        }

        return new CosineSchedule(minFactor);
    }

    /// <summary>The factor applied to the base learning rate in an epoch.</summary>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="totalEpochs">Planned number of epochs.</param>
    /// <returns>A factor in (0, 1].</returns>
    public abstract double Factor(int epoch, int totalEpochs);

    private sealed record StepSchedule(int StepSize, double Gamma) : LearningRateSchedule
    {
        public override double Factor(int epoch, int totalEpochs) => Math.Pow(Gamma, (epoch - 1) / StepSize);
    }

    private sealed record CosineSchedule(double MinFactor) : LearningRateSchedule
    {
        public override double Factor(int epoch, int totalEpochs) =>
            MinFactor + (1 - MinFactor) * (1 + Math.Cos(Math.PI * (epoch - 1) / Math.Max(1, totalEpochs))) / 2;
    }
}
