namespace MultiHeadClassifier.Training;

/// <summary>
/// Periodic training checkpoints: every <see cref="EveryEpochs"/> epochs the trainer hands <see cref="Store"/>
/// everything needed to resume the run exactly (see <see cref="TrainingCheckpoint"/>).
/// </summary>
/// <param name="Store">
/// Where checkpoints go, for example <c>new CheckpointFile("run.mhcckpt")</c> from
/// <c>MultiHeadClassifier.Persistence</c>, which atomically overwrites one file.
/// </param>
public sealed record CheckpointOptions(ICheckpointStore Store)
{
    /// <summary>Writes a checkpoint after every epoch whose number is a multiple of this.</summary>
    /// <value>Default 1: after every epoch. At least 1.</value>
    public int EveryEpochs { get; init; } = 1;

    /// <summary>Lists every invalid setting.</summary>
    /// <returns>One message per problem; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Store is null)
        {
            errors.Add("Checkpoint.Store must not be null.");
        }

        if (EveryEpochs < 1)
        {
            errors.Add($"Checkpoint.EveryEpochs must be at least 1, but was {EveryEpochs}.");
        }

        return errors;
    }
}
