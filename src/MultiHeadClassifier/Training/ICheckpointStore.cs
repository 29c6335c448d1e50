namespace MultiHeadClassifier.Training;

/// <summary>
/// Where a trainer writes its <see cref="TrainingCheckpoint"/>s (<see cref="CheckpointOptions.Store"/>). The
/// library's implementation is <c>MultiHeadClassifier.Persistence.CheckpointFile</c>, one file replaced
/// atomically; implement this interface to keep checkpoints elsewhere (a blob store, memory in tests).
/// </summary>
/// <remarks>
/// The trainer owns the run and calls the store from its own thread. Training continues on the checkpoint's
/// <see cref="TrainingCheckpoint.Model"/> as soon as <see cref="Save"/> returns, so a store must copy or write
/// what it needs before returning and must not keep the model.
/// </remarks>
public interface ICheckpointStore
{
    /// <summary>
    /// Called once before the first epoch of a run: throws if checkpoints cannot be written (for example a
    /// missing folder), so that the run fails before training rather than at its first checkpoint.
    /// </summary>
    void EnsureWritable();

    /// <summary>Stores <paramref name="checkpoint"/>, replacing any earlier checkpoint of the run.</summary>
    /// <param name="checkpoint">The run's state at the end of an epoch.</param>
    void Save(TrainingCheckpoint checkpoint);
}
