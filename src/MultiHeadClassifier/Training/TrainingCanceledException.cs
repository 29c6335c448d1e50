namespace MultiHeadClassifier.Training;

/// <summary>
/// Thrown by <see cref="MultiHeadTrainer"/> when its cancellation token fires. Training stops at the end of the
/// current batch; the model keeps the weights of the last completed step, is in eval mode and is usable.
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="completedEpochs">The epochs completed before cancellation.</param>
    /// <param name="token">The token that fired.</param>
    public TrainingCanceledException(IReadOnlyList<EpochSummary> completedEpochs, CancellationToken token)
        : base($"Training was cancelled after {completedEpochs.Count} complete epoch(s); the model keeps the weights of the last completed step.", token)
    {
        CompletedEpochs = completedEpochs;
    }

    /// <summary>The epochs completed before cancellation.</summary>
    public IReadOnlyList<EpochSummary> CompletedEpochs { get; }
}
