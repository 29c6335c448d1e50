namespace MultiHeadClassifier.Training;

/// <summary>The record of a training run. Immutable once returned.</summary>
/// <param name="Epochs">One summary per completed epoch.</param>
/// <param name="BestEpoch">With early stopping, the epoch whose weights the model holds; otherwise null.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run before the planned epochs.</param>
/// <param name="Seed">The seed used for initial shuffling and dropout; pass it again to reproduce the run.</param>
/// <param name="ClassWeights">The class weights each head trained with.</param>
public sealed record TrainingHistory(
    IReadOnlyList<EpochSummary> Epochs,
    int? BestEpoch,
    bool StoppedEarly,
    long Seed,
    IReadOnlyDictionary<string, float[]> ClassWeights);
