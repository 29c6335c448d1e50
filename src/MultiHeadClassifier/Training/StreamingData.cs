using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// Training data from an <see cref="IMultiHeadBatchSource"/>: each batch is copied to the device inside its step. One
/// pass over epoch 0 counts classes, takes the fingerprint and, when the model standardises, fits the standardisation.
/// </summary>
/// <remarks>
/// Every batch of a user's source is checked against the model. A source of this library that checks its rows itself
/// (<see cref="ICheckedBatchSource"/>, e.g. <see cref="MultiHeadDataFileSource"/>) is checked once instead, when its
/// width, head names and label bounds fit the model. Each step builds its tensors with one copy each: the features
/// standardised on the way (<see cref="FeatureStandardizer"/>'s host transform, the same floats as
/// <see cref="MultiHeadModel.Prepare"/>) and, for cross-entropy heads, the loss targets computed on the host.
/// </remarks>
internal sealed class StreamingData(IMultiHeadBatchSource source, MultiHeadModel model) : ITrainingData
{
    private readonly bool _rowsChecked = RowsCheckedBySource(source, model);
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
            checkedBatch.AddClassCounts(totals);
            Recycle(checkedBatch);
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

    /// <summary>
    /// Whether the source is one of this library's that checks its own rows, and its checks imply the model's: the
    /// same width, the heads' names in order, and label bounds no larger than the heads' class counts.
    /// </summary>
    private static bool RowsCheckedBySource(IMultiHeadBatchSource source, MultiHeadModel model) =>
        source is ICheckedBatchSource checkedSource
        && checkedSource.FeatureCount == model.InputWidth
        && checkedSource.HeadNames.Count == model.Heads.Count
        && model.Heads.Select((h, i) => h.Name == checkedSource.HeadNames[i] && checkedSource.ClassCounts[i] <= h.ClassCount).All(fits => fits);

    private MultiHeadDataset Checked(MultiHeadDataset? batch, int index)
    {
        if (batch is null)
        {
            throw new ArgumentException($"The training batch source returned null for batch {index + 1}.");
        }

        if (_rowsChecked)
        {
            return batch;
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

    /// <summary>Hands a batch that nothing references any more back to a source of this library that reuses its arrays.</summary>
    private void Recycle(MultiHeadDataset batch)
    {
        if (_rowsChecked)
        {
            ((ICheckedBatchSource)source).Recycle(batch);
        }
    }

    /// <summary>One step's tensors from a checked batch: each filled by one host pass, no tensor operation on the way.</summary>
    private TrainingBatch ToBatch(MultiHeadDataset data, MultiHeadLoss loss)
    {
        var device = model.Device;
        var x = TensorData.Features(data, model.Standardizer, device);
        var y = TensorData.Labels(data, device);
        var targets = loss.TryPrepareTargets(data.Labels, data.RowCount, device, out var hostTargets) ? hostTargets : loss.PrepareTargets(y);
        return new TrainingBatch(x, y, targets);
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
                    var step = owner.ToBatch(data, loss);
                    owner.Recycle(data);
                    return step;
                };
            }
        }

        public void Dispose()
        {
        }
    }
}
