namespace MultiHeadClassifier.Training;

/// <summary>
/// Periodic training checkpoints: every <see cref="EveryEpochs"/> epochs the trainer atomically overwrites
/// <see cref="Path"/> with everything needed to resume the run exactly (see <see cref="TrainingCheckpoint"/>).
/// </summary>
/// <param name="Path">The checkpoint file; its folder must exist. Conventionally ends in <c>.mhcckpt</c>.</param>
public sealed record CheckpointOptions(string Path)
{
    /// <summary>Writes a checkpoint after every epoch whose number is a multiple of this.</summary>
    /// <value>Default 1: after every epoch. At least 1.</value>
    public int EveryEpochs { get; init; } = 1;

    /// <summary>Lists every invalid setting.</summary>
    /// <returns>One message per problem; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            errors.Add("Checkpoint.Path must not be empty.");
        }

        if (EveryEpochs < 1)
        {
            errors.Add($"Checkpoint.EveryEpochs must be at least 1, but was {EveryEpochs}.");
        }

        return errors;
    }
}
