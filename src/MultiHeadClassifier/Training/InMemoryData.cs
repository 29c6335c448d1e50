using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// In-memory training data: the whole (standardised) feature and label tensors live on the device for the run;
/// each epoch they are permuted once and batches are contiguous slices of the permuted copy.
/// </summary>
internal sealed class InMemoryData(MultiHeadDataset data) : ITrainingData
{
    public long[][] ClassCounts(IReadOnlyList<HeadDefinition> heads) => data.ClassCounts(heads);

    public FeatureStandardizer FitStandardizer() => FeatureStandardizer.Fit([data]);

    public IPreparedData Prepare(MultiHeadModel model)
    {
        using var scope = NewDisposeScope();
        var (x, y) = TensorData.ToTensors(data, 0, data.RowCount, model.DeviceType);
        var features = model.Prepare(x).DetachFromDisposeScope();
        return new Prepared(features, y.DetachFromDisposeScope(), data.RowCount);
    }

    private sealed class Prepared(Tensor features, Tensor labels, int rows) : IPreparedData
    {
        public int? BatchesPerEpoch(int batchSize) => (rows + batchSize - 1) / batchSize;

        public IEnumerable<Func<(Tensor X, Tensor Y)>> Batches(int epoch, int batchSize, Generator? shuffle)
        {
            Tensor x = features;
            Tensor y = labels;
            if (shuffle is not null)
            {
                using var scope = NewDisposeScope();
                var permutation = randperm(rows, generator: shuffle).to(features.device);
                x = features.index_select(0, permutation).DetachFromDisposeScope();
                y = labels.index_select(0, permutation).DetachFromDisposeScope();
            }

            try
            {
                for (int start = 0; start < rows; start += batchSize)
                {
                    int first = start;
                    int count = Math.Min(batchSize, rows - start);
                    yield return () => (x.narrow(0, first, count), y.narrow(0, first, count));
                }
            }
            finally
            {
                if (shuffle is not null)
                {
                    x.Dispose();
                    y.Dispose();
                }
            }
        }

        public void Dispose()
        {
            features.Dispose();
            labels.Dispose();
        }
    }
}
