namespace MultiHeadClassifier.Training;

/// <summary>
/// One epoch of a <see cref="TrainingHistory"/>. Each head's loss is its weighted mean over all labelled rows
/// of the epoch (Σ w·nll / Σ w, accumulated over batches); the total is Σ λ_h·loss_h. Training losses are
/// accumulated while the weights change during the epoch; validation losses are computed after it.
/// </summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Total training loss.</param>
/// <param name="TrainHeadLosses">Per-head training loss, keyed by head name.</param>
/// <param name="ValidationLoss">Total validation loss, or null without validation data.</param>
/// <param name="ValidationHeadLosses">Per-head validation loss, or null without validation data.</param>
/// <param name="LearningRate">The learning rate used in the epoch.</param>
/// <param name="Duration">Wall-clock time of the epoch, validation included.</param>
/// <param name="Monitored">
/// The value of <see cref="MultiHeadTrainerOptions.Monitor"/> on the validation data after the epoch (for the
/// default <see cref="ValidationMonitor.Loss"/>, <paramref name="ValidationLoss"/>), or null without validation data.
/// </param>
public sealed record EpochSummary(
    int Epoch,
    double TrainLoss,
    IReadOnlyDictionary<string, double> TrainHeadLosses,
    double? ValidationLoss,
    IReadOnlyDictionary<string, double>? ValidationHeadLosses,
    double LearningRate,
    TimeSpan Duration,
    double? Monitored = null);
