namespace MultiHeadClassifier.Training;

/// <summary>Arguments of <see cref="TrainingCallback.OnTrainBegin"/>.</summary>
/// <param name="Epochs">Planned epochs.</param>
/// <param name="BatchesPerEpoch">Batches per epoch, or null for a streaming source.</param>
/// <param name="ClassWeights">The class weights each head trains with.</param>
/// <param name="Seed">The seed in use.</param>
public readonly record struct TrainBeginArgs(int Epochs, int? BatchesPerEpoch, IReadOnlyDictionary<string, float[]> ClassWeights, long Seed);

/// <summary>Arguments of <see cref="TrainingCallback.OnBatchEnd"/> and of progress reports.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Planned epochs.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="BatchesPerEpoch">Batches per epoch, or null for a streaming source.</param>
/// <param name="Loss">The batch's total loss Σ λ_h·loss_h.</param>
/// <param name="HeadLosses">The batch's per-head losses, keyed by head name.</param>
/// <param name="Elapsed">Time since training began.</param>
public readonly record struct BatchEndArgs(int Epoch, int Epochs, int Batch, int? BatchesPerEpoch, double Loss, IReadOnlyDictionary<string, double> HeadLosses, TimeSpan Elapsed);

/// <summary>Arguments of <see cref="TrainingCallback.OnEpochEnd"/>.</summary>
/// <param name="Summary">The epoch's losses and timing.</param>
/// <param name="Epochs">Planned epochs.</param>
/// <param name="Elapsed">Time since training began.</param>
public readonly record struct EpochEndArgs(EpochSummary Summary, int Epochs, TimeSpan Elapsed);

/// <summary>Arguments of <see cref="TrainingCallback.OnTrainEnd"/>.</summary>
/// <param name="History">The completed history.</param>
/// <param name="Elapsed">Total training time.</param>
public readonly record struct TrainEndArgs(TrainingHistory History, TimeSpan Elapsed);
