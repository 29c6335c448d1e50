using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>Training data as the trainer consumes it: statistics first, then batches per epoch.</summary>
internal interface ITrainingData
{
    long[][] ClassCounts(IReadOnlyList<HeadDefinition> heads);

    FeatureStandardizer FitStandardizer();

    /// <summary>The data's fingerprint; for a streaming source, available after <see cref="ClassCounts"/>.</summary>
    DataFingerprint Fingerprint();

    IPreparedData Prepare(MultiHeadModel model, MultiHeadLoss loss);
}

/// <summary>Data placed for one run. Each batch is a factory called inside the step's dispose scope.</summary>
internal interface IPreparedData : IDisposable
{
    int? BatchesPerEpoch(int batchSize);

    IEnumerable<Func<TrainingBatch>> Batches(int epoch, int batchSize, Generator? shuffle);
}

/// <summary>One step's tensors: standardised features, labels, and the loss targets derived from the labels.</summary>
internal readonly record struct TrainingBatch(Tensor X, Tensor Labels, LossTargets Targets);
