using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training.Optimization;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// One training run of <see cref="MultiHeadTrainer"/>, in named steps: <see cref="Execute"/> runs
/// <see cref="RunEpoch"/> (each batch a <see cref="TrainStep"/>), <see cref="Validate"/>,
/// <see cref="ShouldStopEarly"/> and <see cref="SaveCheckpointIfDue"/> per epoch, then
/// <see cref="RestoreBestWeights"/>. <see cref="Start"/> builds everything the steps share and, when resuming,
/// restores the optimizer and generators from the checkpoint. The steps write to
/// <see cref="MultiHeadTrainerOptions.Logger"/> (see <see cref="TrainingLog"/>): the start and its data warnings,
/// each epoch, each early-stopping decision, each checkpoint and the end; nothing per batch.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private readonly MultiHeadModel _model;
    private readonly MultiHeadTrainerOptions _options;
    private readonly MultiHeadDataset? _validation;
    private readonly CancellationToken _cancellationToken;
    private readonly TrainingRunState _state;
    private readonly FlatParameters _parameters;
    private readonly MultiHeadLoss _loss;
    private readonly Generator _shuffle;
    private readonly Generator _dropout;
    private readonly FlatOptimizer _optimizer;
    private readonly IPreparedData _data;
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private readonly ILogger _logger;

    private TrainingRun(MultiHeadModel model, MultiHeadTrainerOptions options, MultiHeadDataset? validation, CancellationToken cancellationToken, TrainingRunState state, FlatParameters parameters, MultiHeadLoss loss, Generator shuffle, Generator dropout, FlatOptimizer optimizer, IPreparedData data)
    {
        _model = model;
        _options = options;
        _validation = validation;
        _cancellationToken = cancellationToken;
        _state = state;
        _parameters = parameters;
        _loss = loss;
        _shuffle = shuffle;
        _dropout = dropout;
        _optimizer = optimizer;
        _data = data;
        _logger = options.Logger ?? NullLogger.Instance;
    }

    private IReadOnlyDictionary<string, float[]> ClassWeights => _model.ClassWeights!;

    private int? BatchesPerEpoch => _data.BatchesPerEpoch(_options.BatchSize);

    /// <summary>
    /// Prepares a run: the flat parameter buffer (first, so that a model it cannot hold is refused before
    /// anything about it changes), the class weights and standardisation (see <see cref="RefitBehavior"/>), the loss, the
    /// generators, the optimizer (restored from <paramref name="resume"/> if given) and the device-side data.
    /// </summary>
    public static TrainingRun Start(MultiHeadModel model, ITrainingData data, MultiHeadDataset? validation, MultiHeadTrainerOptions options, TrainingCheckpoint? resume, CancellationToken cancellationToken)
    {
        var disposables = new Stack<IDisposable>();
        try
        {
            var parameters = Push(disposables, new FlatParameters(model.Network.parameters()));
            if (resume is null)
            {
                PrepareTrainingState(model, data, options.Refit, options.Logger ?? NullLogger.Instance);
            }

            var state = resume?.State.Clone() ?? new TrainingRunState(options.Seed ?? model.Options.Seed ?? Random.Shared.NextInt64(0, long.MaxValue));
            var loss = Push(disposables, new MultiHeadLoss(model.Heads, model.ClassWeights!, model.Device));
            var shuffle = Push(disposables, new Generator((ulong)state.Seed, CPU));
            var dropout = Push(disposables, new Generator((ulong)state.Seed ^ 0x5DEECE66DUL, model.Device));
            var optimizer = Push(disposables, OptimizerFactory.Create(options.Optimizer, parameters, options.LearningRate, options.WeightDecay, options.Momentum));
            resume?.RestoreOptimizer(optimizer);
            resume?.RestoreGenerators(shuffle, dropout);
            var prepared = Push(disposables, data.Prepare(model, loss));
            return new TrainingRun(model, options, validation, cancellationToken, state, parameters, loss, shuffle, dropout, optimizer, prepared);
        }
        catch
        {
            while (disposables.Count > 0)
            {
                disposables.Pop().Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Before a fresh run (not a resume): the same checks on every fit (every head has labelled rows), class
    /// weights and standardisation computed on the first fit and, under <see cref="RefitBehavior.Recompute"/>, on
    /// every later one, and temperatures cleared because training changes the logits they were fitted for.
    /// </summary>
    private static void PrepareTrainingState(MultiHeadModel model, ITrainingData data, RefitBehavior refit, ILogger logger)
    {
        var counts = data.ClassCounts(model.Heads);
        ClassWeightResolver.RequireLabelledRows(model.Heads, counts);
        for (int h = 0; h < model.Heads.Count; h++)
        {
            if (MissingClasses(counts[h]) is { } missing)
            {
                TrainingLog.TrainingClassMissing(logger, model.Heads[h].Name, missing, model.Heads[h].ClassCount);
            }
        }

        if (model.ClassWeights is null || refit == RefitBehavior.Recompute)
        {
            var standardizer = model.Options.StandardizeFeatures ? data.FitStandardizer() : null;
            model.SetTrainingState(ClassWeightResolver.Resolve(model.Heads, counts), standardizer, data.Fingerprint(), ClassWeightResolver.Priors(model.Heads, counts));
        }

        model.Temperatures = null;
    }

    /// <summary>Trains the remaining epochs and returns the history of the whole run.</summary>
    public TrainingHistory Execute()
    {
        bool stoppedEarly = false;
        _model.Random.Generator = _dropout;
        try
        {
            var begin = new TrainBeginArgs(_options.Epochs, BatchesPerEpoch, ClassWeights, _state.Seed);
            LogStart();
            Notify(c => c.OnTrainBegin(begin));
            for (int epoch = _state.Epochs.Count + 1; epoch <= _options.Epochs; epoch++)
            {
                var summary = RunEpoch(epoch);
                _state.Epochs.Add(summary);
                LogEpoch(summary);
                var end = new EpochEndArgs(summary, _options.Epochs, _stopwatch.Elapsed);
                Notify(c => c.OnEpochEnd(end));
                if (ShouldStopEarly(summary))
                {
                    stoppedEarly = epoch < _options.Epochs;
                    break;
                }

                SaveCheckpointIfDue(epoch);
                _cancellationToken.ThrowIfCancellationRequested();
            }

            RestoreBestWeights();
            var history = new TrainingHistory([.. _state.Epochs], _state.BestEpoch, stoppedEarly, _state.Seed, ClassWeights);
            TrainingLog.TrainingFinished(_logger, _state.Epochs.Count, _stopwatch.Elapsed.TotalSeconds);
            var finished = new TrainEndArgs(history, _stopwatch.Elapsed);
            Notify(c => c.OnTrainEnd(finished));
            return history;
        }
        catch (OperationCanceledException e) when (e is not TrainingCanceledException)
        {
            throw new TrainingCanceledException([.. _state.Epochs], _cancellationToken);
        }
        finally
        {
            _model.Random.Generator = null;
            _model.Network.eval();
        }
    }

    /// <summary>One epoch: set the learning rate, shuffle, step through the batches, then validate.</summary>
    private EpochSummary RunEpoch(int epoch)
    {
        var epochStart = _stopwatch.Elapsed;
        double learningRate = _options.LearningRate * (_options.LearningRateSchedule?.Factor(epoch, _options.Epochs) ?? 1.0);
        _optimizer.LearningRate = learningRate;
        _model.Network.train();
        var sums = new LossAccumulator(_model.Heads.Count);
        int batch = 0;
        foreach (var step in _data.Batches(epoch, _options.BatchSize, _options.Shuffle ? _shuffle : null))
        {
            TrainStep(step, epoch, ++batch, sums);
            if (_cancellationToken.IsCancellationRequested)
            {
                throw new TrainingCanceledException([.. _state.Epochs], _cancellationToken);
            }
        }

        _model.Network.eval();
        var trainHeads = sums.PerHead(_model.Heads);
        var valid = Validate();
        double? monitored = valid is { } v ? _options.Monitor.Measure(_model, _validation!, v.Total) : null;
        return new EpochSummary(epoch, LossEvaluation.Total(_model.Heads, trainHeads), trainHeads, valid?.Total, valid?.PerHead, learningRate, _stopwatch.Elapsed - epochStart, monitored);
    }

    /// <summary>
    /// One optimizer step inside its own dispose scope: forward, loss, one host copy of the per-head sums, a
    /// finiteness check, backward, gradient norm (and clipping), update, then the batch-end report.
    /// </summary>
    private void TrainStep(Func<TrainingBatch> batchFactory, int epoch, int batch, LossAccumulator sums)
    {
        using var scope = NewDisposeScope();
        var step = batchFactory();
        _parameters.ZeroGradients();
        var logits = _model.Network.forward(step.X);
        var (numerator, denominator) = _loss.WeightedSums(logits, step.Targets);
        var perHead = numerator / where(denominator.gt(Scalars.Zero), denominator, ones_like(denominator));
        var total = (perHead * _loss.LossMultipliers).sum();

        // One host copy per step: per-head losses, numerators and denominators.
        int heads = _model.Heads.Count;
        float[] host = stack([perHead, numerator, denominator]).detach().cpu().data<float>().ToArray();
        if (FiniteValues.IndexOfNonFinite(host.AsSpan(0, heads)) >= 0)
        {
            throw NonFiniteLoss(logits, step.Labels, epoch, batch);
        }

        total.backward();
        double gradientNorm = _options.GradientClipNorm is { } clip ? _parameters.ClipGradientNorm(clip) : _parameters.GradientNorm();
        if (!double.IsFinite(gradientNorm))
        {
            _parameters.ZeroGradients();
            throw new NonFiniteLossException(epoch, batch, [], "the gradient norm is not finite");
        }

        _optimizer.Step();
        sums.Add(host.AsSpan(heads, heads), host.AsSpan(2 * heads, heads));
        ReportBatch(host.AsSpan(0, heads), epoch, batch);
    }

    /// <summary>Names the heads whose loss is not finite, from the per-head reference path (the fused sums mix heads: 0 · NaN is NaN).</summary>
    private NonFiniteLossException NonFiniteLoss(Tensor logits, Tensor labels, int epoch, int batch)
    {
        float[] reference;
        using (no_grad())
        {
            reference = _loss.ComputeReference(logits, labels).PerHead.cpu().data<float>().ToArray();
        }

        var badHeads = _model.Heads.Where((_, h) => !float.IsFinite(reference[h])).Select(h => h.Name).ToArray();
        return new NonFiniteLossException(epoch, batch, badHeads, "the loss is not finite");
    }

    /// <summary>Tells callbacks and the progress reporter that a batch ended; builds nothing when nobody listens.</summary>
    private void ReportBatch(ReadOnlySpan<float> headLossValues, int epoch, int batch)
    {
        if (_options.Callbacks.Count == 0 && _options.Progress is null)
        {
            return;
        }

        var headLosses = new Dictionary<string, double>(headLossValues.Length, StringComparer.Ordinal);
        double total = 0;
        for (int h = 0; h < headLossValues.Length; h++)
        {
            headLosses[_model.Heads[h].Name] = headLossValues[h];
            total += _model.Heads[h].LossWeight * headLossValues[h];
        }

        var args = new BatchEndArgs(epoch, _options.Epochs, batch, BatchesPerEpoch, total, headLosses, _stopwatch.Elapsed);
        Notify(c => c.OnBatchEnd(args));
        _options.Progress?.Report(args);
    }

    /// <summary>The validation loss, or null without validation data.</summary>
    private (double Total, IReadOnlyDictionary<string, double> PerHead)? Validate() =>
        _validation is null ? null : LossEvaluation.Evaluate(_model, _loss, _validation, _options.ValidationBatchSize);

    /// <summary>
    /// Early stopping: remembers the best epoch's weights and says whether patience has run out. The monitored value
    /// is kept in its "lower is better" form (negated when higher is better), so one comparison serves every monitor.
    /// </summary>
    private double BestMonitored => _options.Monitor.HigherIsBetter ? -_state.BestLoss : _state.BestLoss;

    private bool ShouldStopEarly(EpochSummary summary)
    {
        if (_options.EarlyStoppingPatience is not { } patience || summary.Monitored is not { } monitored)
        {
            return false;
        }

        double loss = double.IsNaN(monitored) ? double.PositiveInfinity : _options.Monitor.HigherIsBetter ? -monitored : monitored;
        if (loss < _state.BestLoss - _options.EarlyStoppingMinDelta || _state.BestEpoch is null)
        {
            _state.BestLoss = Math.Min(_state.BestLoss, loss);
            _state.BestEpoch = summary.Epoch;
            _state.EpochsWithoutImprovement = 0;
            _state.BestWeights = StateDict.ToBytes(_model.Network);
            TrainingLog.ValidationImproved(_logger, summary.Epoch, _options.Monitor.Name, monitored);
            return false;
        }

        bool stop = ++_state.EpochsWithoutImprovement >= patience;
        int bestEpoch = _state.BestEpoch.Value;
        TrainingLog.ValidationNotImproved(_logger, _state.EpochsWithoutImprovement, patience, _options.EarlyStoppingMinDelta, _options.Monitor.Name, BestMonitored, bestEpoch);
        if (stop)
        {
            TrainingLog.EarlyStopped(_logger, summary.Epoch, patience, bestEpoch, _options.Monitor.Name, BestMonitored);
        }

        return stop;
    }

    /// <summary>Hands the store a checkpoint after every epoch that is a multiple of <see cref="CheckpointOptions.EveryEpochs"/>.</summary>
    private void SaveCheckpointIfDue(int epoch)
    {
        if (_options.Checkpoint is { } checkpoint && epoch % checkpoint.EveryEpochs == 0)
        {
            checkpoint.Store.Save(TrainingCheckpoint.Capture(_model, _options.Optimizer, _optimizer, _shuffle, _dropout, _state));
            TrainingLog.CheckpointSaved(_logger, epoch, checkpoint.Store.ToString() ?? checkpoint.Store.GetType().Name);
        }
    }

    /// <summary>With early stopping, puts back the best epoch's weights if a later epoch was the last.</summary>
    private void RestoreBestWeights()
    {
        if (_state.BestWeights is { } best && _state.Epochs.Count > 0 && _state.BestEpoch != _state.Epochs[^1].Epoch)
        {
            StateDict.Load(_model.Network, best);
            TrainingLog.BestWeightsRestored(_logger, _state.BestEpoch!.Value, _options.Monitor.Name);
        }
    }

    /// <summary>Logs the run's start and warns about validation data that lacks a class or a head's labels.</summary>
    private void LogStart()
    {
        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        string heads = string.Join(", ", _model.Heads.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Name} (K={h.ClassCount})")));
        TrainingLog.TrainingStarted(_logger, heads, _state.Epochs.Count + 1, _options.Epochs, _state.Seed);
        if (_validation is null)
        {
            return;
        }

        long[][] counts = _validation.ClassCounts(_model.Heads);
        for (int h = 0; h < _model.Heads.Count; h++)
        {
            if (counts[h].Sum() == 0)
            {
                TrainingLog.ValidationHeadUnlabelled(_logger, _model.Heads[h].Name);
            }
            else if (MissingClasses(counts[h]) is { } missing)
            {
                TrainingLog.ValidationClassMissing(_logger, _model.Heads[h].Name, missing, _model.Heads[h].ClassCount);
            }
        }
    }

    /// <summary>Logs an epoch's total losses, and each head's at Debug level.</summary>
    private void LogEpoch(EpochSummary summary)
    {
        double seconds = summary.Duration.TotalSeconds;
        if (summary.ValidationLoss is { } validation)
        {
            TrainingLog.EpochCompleted(_logger, summary.Epoch, _options.Epochs, summary.TrainLoss, validation, summary.LearningRate, seconds);
        }
        else
        {
            TrainingLog.EpochCompletedWithoutValidation(_logger, summary.Epoch, _options.Epochs, summary.TrainLoss, summary.LearningRate, seconds);
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            foreach (var head in _model.Heads)
            {
                TrainingLog.HeadEpochLoss(_logger, summary.Epoch, head.Name, summary.TrainHeadLosses[head.Name], summary.ValidationHeadLosses?[head.Name]);
            }
        }
    }

    /// <summary>The classes with no rows, as "0, 3", or null when every class has rows.</summary>
    private static string? MissingClasses(long[] counts)
    {
        int[] missing = [.. Enumerable.Range(0, counts.Length).Where(c => counts[c] == 0)];
        return missing.Length == 0 ? null : string.Join(", ", missing);
    }

    private void Notify(Action<TrainingCallback> call)
    {
        foreach (var callback in _options.Callbacks)
        {
            call(callback);
        }
    }

    private static T Push<T>(Stack<IDisposable> disposables, T item)
        where T : IDisposable
    {
        disposables.Push(item);
        return item;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _data.Dispose();
        _optimizer.Dispose();
        _dropout.Dispose();
        _shuffle.Dispose();
        _loss.Dispose();
        _parameters.Dispose();
    }
}
