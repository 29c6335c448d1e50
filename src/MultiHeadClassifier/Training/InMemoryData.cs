using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// In-memory training data: the whole (standardised) feature and label tensors live on the device for the run;
/// the loss targets are derived from the labels once; each epoch all are permuted once and batches are
/// contiguous slices of the permuted copies.
/// </summary>
internal sealed class InMemoryData(MultiHeadDataset data) : ITrainingData
{
    public long[][] ClassCounts(IReadOnlyList<HeadDefinition> heads) => data.ClassCounts(heads);

    public FeatureStandardizer FitStandardizer() => FeatureStandardizer.Fit([data]);

    public DataFingerprint Fingerprint() => DataFingerprint.Of(data);

    public IPreparedData Prepare(MultiHeadModel model, MultiHeadLoss loss)
    {
        using var scope = NewDisposeScope();
        var (x, y) = TensorData.ToTensors(data, 0, data.RowCount, model.Device);
        var features = model.Prepare(x).DetachFromDisposeScope();
        var targets = loss.PrepareTargets(y).DetachFromDisposeScope();
        return new Prepared(features, y.DetachFromDisposeScope(), targets, data.RowCount);
    }

    private sealed class Prepared(Tensor features, Tensor labels, LossTargets targets, int rows) : IPreparedData
    {
        public int? BatchesPerEpoch(int batchSize) => (rows + batchSize - 1) / batchSize;

        public IEnumerable<Func<TrainingBatch>> Batches(int epoch, int batchSize, Generator? shuffle)
        {
            Tensor x = features;
            Tensor y = labels;
            LossTargets t = targets;
            if (shuffle is not null)
            {
                using var scope = NewDisposeScope();
                var permutation = randperm(rows, generator: shuffle).to(features.device);
                x = features.index_select(0, permutation).DetachFromDisposeScope();
                y = labels.index_select(0, permutation).DetachFromDisposeScope();
                t = targets.Select(permutation).DetachFromDisposeScope();
            }

            try
            {
                for (int start = 0; start < rows; start += batchSize)
                {
                    int first = start;
                    int count = Math.Min(batchSize, rows - start);
                    yield return () => new TrainingBatch(x.narrow(0, first, count), y.narrow(0, first, count), t.Narrow(first, count));
                }
            }
            finally
            {
                if (shuffle is not null)
                {
                    x.Dispose();
                    y.Dispose();
                    t.Dispose();
                }
            }
        }

        public void Dispose()
        {
            features.Dispose();
            labels.Dispose();
            targets.Dispose();
        }
    }
}
