using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// Training data from an <see cref="IMultiHeadBatchSource"/>: each batch is copied to the device inside its step. One
/// pass over epoch 0 counts classes, takes the fingerprint and, when the model standardises, fits the standardisation.
/// </summary>
internal sealed class StreamingData(IMultiHeadBatchSource source, MultiHeadModel model) : ITrainingData
{
    private DataFingerprint? _fingerprint;
    private FeatureStandardizer? _standardizer;

    private IMultiHeadBatchSource Source => source;

    private MultiHeadModel Model => model;

    public long[][] ClassCounts(IReadOnlyList<HeadDefinition> heads)
    {
        var totals = heads.Select(h => new long[h.ClassCount]).ToArray();
        int index = 0;
        using var fingerprint = new DataFingerprint.Builder();
        var standardizer = model.Options.StandardizeFeatures ? new FeatureStandardizer.Accumulator() : null;
        foreach (var batch in source.GetBatches(0))
        {
            var checkedBatch = Checked(batch, index++);
            fingerprint.Add(checkedBatch);
            standardizer?.Add(checkedBatch);
            var counts = checkedBatch.ClassCounts(heads);
            for (int h = 0; h < heads.Count; h++)
            {
                for (int c = 0; c < counts[h].Length; c++)
                {
                    totals[h][c] += counts[h][c];
                }
            }
        }

        if (index == 0)
        {
            throw new ArgumentException("The training batch source returned no batches.");
        }

        _fingerprint = fingerprint.Finish();
        _standardizer = standardizer?.Finish();
        return totals;
    }

    /// <summary>The standardisation fitted while counting classes, or, when that pass did not fit one, a pass of its own.</summary>
    public FeatureStandardizer FitStandardizer() => _standardizer ?? FeatureStandardizer.Fit(source.GetBatches(0));

    /// <summary>The fingerprint of epoch 0's batches, in order, taken during <see cref="ClassCounts"/>.</summary>
    public DataFingerprint Fingerprint() => _fingerprint ?? throw new InvalidOperationException("The fingerprint is taken while counting classes; count them first.");

    public IPreparedData Prepare(MultiHeadModel model, MultiHeadLoss loss) => new Prepared(this, loss);

    private MultiHeadDataset Checked(MultiHeadDataset? batch, int index)
    {
        if (batch is null)
        {
            throw new ArgumentException($"The training batch source returned null for batch {index + 1}.");
        }

        try
        {
            batch.ValidateFor(model.Heads, model.InputWidth);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Training batch {index + 1}: {e.Message}", e);
        }

        return batch;
    }

    private sealed class Prepared(StreamingData owner, MultiHeadLoss loss) : IPreparedData
    {
        public int? BatchesPerEpoch(int batchSize) => null;

        public IEnumerable<Func<TrainingBatch>> Batches(int epoch, int batchSize, Generator? shuffle)
        {
            int index = 0;
            foreach (var batch in owner.Source.GetBatches(epoch))
            {
                var data = owner.Checked(batch, index++);
                yield return () =>
                {
                    var (x, y) = TensorData.ToTensors(data, 0, data.RowCount, owner.Model.Device);
                    return new TrainingBatch(owner.Model.Prepare(x), y, loss.PrepareTargets(y));
                };
            }
        }

        public void Dispose()
        {
        }
    }
}
