using System.Diagnostics;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Native;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// Fits a <see cref="MultiHeadModel"/> by minimising Σ_h λ_h · (class-weighted cross-entropy of head h).
/// Holds only settings; a model keeps no trainer state, so a trained model predicts without a trainer.
/// </summary>
/// <remarks>
/// <para>
/// One run: validate the data against the model; on the model's first fit, resolve each head's class weights
/// from its <see cref="ClassWeighting"/> and the training labels' class counts, and fit the feature
/// standardisation; then for each epoch set the learning rate, shuffle, and for each batch run forward, loss,
/// backward, optional clipping and one optimizer step inside its own dispose scope; then compute the
/// validation loss, apply early stopping and write a checkpoint when one is due.
/// </para>
/// <para>
/// Speed: for a run, the trainable parameters and their gradients live in two contiguous buffers (each
/// parameter is a view), so the optimizer, gradient norm and gradient reset cost a few operations whatever the
/// number of parameters; the loss evaluates all heads at once (see <see cref="MultiHeadLoss"/>). The
/// parameters therefore must share one dtype and device (always true for the built-in backbone).
/// </para>
/// <para>
/// Determinism: shuffling and dropout draw from the trainer's own generators seeded by
/// <see cref="MultiHeadTrainerOptions.Seed"/>, and <see cref="MultiHeadModelOptions.Seed"/> fixes the initial
/// weights, so neither touches libtorch's global RNG. On CPU the same seeds and data give the same weights bit
/// for bit (with the same libtorch thread count).
/// </para>
/// <para>Thread-safety: a trainer may be shared, but one model must not be fitted by two threads at once.</para>
/// </remarks>
public sealed class MultiHeadTrainer
{
    /// <summary>Creates a trainer.</summary>
    /// <param name="options">Settings; default <see cref="MultiHeadTrainerOptions"/>'s defaults.</param>
    /// <exception cref="ArgumentException">One or more settings are invalid; the message lists all of them.</exception>
    public MultiHeadTrainer(MultiHeadTrainerOptions? options = null)
    {
        options ??= new MultiHeadTrainerOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid trainer options: " + string.Join(" ", errors), nameof(options));
        }

        Options = options;
    }

    /// <summary>The settings.</summary>
    public MultiHeadTrainerOptions Options { get; }

    /// <summary>Trains on in-memory data.</summary>
    /// <param name="model">The model; its weights are updated in place.</param>
    /// <param name="train">Training rows with one label column per head (−1 = missing).</param>
    /// <param name="validation">Optional validation rows, for validation losses and early stopping.</param>
    /// <param name="cancellationToken">Stops training at the end of the current batch.</param>
    /// <returns>The per-epoch history.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model, a head has no labelled rows, a class weight cannot be computed, or the model's trainable parameters do not share one dtype and device.</exception>
    /// <exception cref="InvalidOperationException">Early stopping is set without validation data.</exception>
    /// <exception cref="TrainingCanceledException">The token fired; the model keeps the last completed step's weights.</exception>
    /// <exception cref="NonFiniteLossException">A step produced a NaN or infinite loss or gradient; the model keeps the last finite weights.</exception>
    public TrainingHistory Fit(MultiHeadModel model, MultiHeadDataset train, MultiHeadDataset? validation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        train.ValidateFor(model.Heads, model.InputWidth);
        return Run(model, new InMemoryData(train), validation, cancellationToken);
    }

    /// <summary>Trains on a streaming source, for data that does not fit in memory.</summary>
    /// <param name="model">The model; its weights are updated in place.</param>
    /// <param name="train">The batches; on the model's first fit, one extra pass counts classes and fits the standardisation.</param>
    /// <param name="validation">Optional validation rows.</param>
    /// <param name="cancellationToken">Stops training at the end of the current batch.</param>
    /// <returns>The per-epoch history.</returns>
    /// <exception cref="ArgumentException">A batch does not fit the model, or a head has no labelled rows.</exception>
    /// <exception cref="TrainingCanceledException">The token fired.</exception>
    /// <exception cref="NonFiniteLossException">A step produced a NaN or infinite loss or gradient.</exception>
    public TrainingHistory Fit(MultiHeadModel model, IMultiHeadBatchSource train, MultiHeadDataset? validation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        return Run(model, new StreamingData(train, model), validation, cancellationToken);
    }

    /// <summary>
    /// Computes the loss of a model on labelled data exactly as training defines it (per head, the weighted mean
    /// over all labelled rows), in eval mode without gradients.
    /// </summary>
    /// <param name="model">A model whose class weights are resolved (it has been fitted or loaded).</param>
    /// <param name="data">Labelled rows.</param>
    /// <param name="batchSize">Rows per forward pass. Default 4096.</param>
    /// <returns>The total and the per-head losses.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">The model's class weights are not resolved yet.</exception>
    public static (double Total, IReadOnlyDictionary<string, double> PerHead) ComputeLoss(MultiHeadModel model, MultiHeadDataset data, int batchSize = 4096)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        data.ValidateFor(model.Heads, model.InputWidth);
        var weights = model.ClassWeights ?? throw new InvalidOperationException("The model's class weights are not resolved; fit or load the model first.");
        using var loss = new MultiHeadLoss(model.Heads, weights, model.DeviceType);
        return EvaluateLoss(model, loss, data, batchSize);
    }

    /// <summary>
    /// Continues a checkpointed run on in-memory data. With the same trainer options and data as the original
    /// run, the result is the same weights, bit for bit on CPU, as a run that was never interrupted.
    /// </summary>
    /// <param name="checkpoint">The checkpoint; its <see cref="TrainingCheckpoint.Model"/> is trained in place.</param>
    /// <param name="train">The original run's training rows.</param>
    /// <param name="validation">The original run's validation rows, if any.</param>
    /// <param name="cancellationToken">Stops training at the end of the current batch.</param>
    /// <returns>The history of the whole run, the checkpoint's epochs included. Its seed is the original run's.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model, or the checkpoint was written with another optimizer.</exception>
    /// <exception cref="InvalidDataException">The checkpoint's optimizer or generator state is corrupt or does not match the model.</exception>
    /// <exception cref="TrainingCanceledException">The token fired.</exception>
    /// <exception cref="NonFiniteLossException">A step produced a NaN or infinite loss or gradient.</exception>
    public TrainingHistory Resume(TrainingCheckpoint checkpoint, MultiHeadDataset train, MultiHeadDataset? validation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(train);
        train.ValidateFor(checkpoint.Model.Heads, checkpoint.Model.InputWidth);
        return Run(checkpoint.Model, new InMemoryData(train), validation, cancellationToken, checkpoint);
    }

    /// <summary>Continues a checkpointed run on a streaming source; exact when the source yields the same batches for the same epoch.</summary>
    /// <param name="checkpoint">The checkpoint; its <see cref="TrainingCheckpoint.Model"/> is trained in place.</param>
    /// <param name="train">The original run's batch source.</param>
    /// <param name="validation">The original run's validation rows, if any.</param>
    /// <param name="cancellationToken">Stops training at the end of the current batch.</param>
    /// <returns>The history of the whole run, the checkpoint's epochs included.</returns>
    /// <exception cref="ArgumentException">A batch does not fit the model, or the checkpoint was written with another optimizer.</exception>
    /// <exception cref="InvalidDataException">The checkpoint's optimizer or generator state is corrupt or does not match the model.</exception>
    /// <exception cref="TrainingCanceledException">The token fired.</exception>
    /// <exception cref="NonFiniteLossException">A step produced a NaN or infinite loss or gradient.</exception>
    public TrainingHistory Resume(TrainingCheckpoint checkpoint, IMultiHeadBatchSource train, MultiHeadDataset? validation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(train);
        return Run(checkpoint.Model, new StreamingData(train, checkpoint.Model), validation, cancellationToken, checkpoint);
    }

    private TrainingHistory Run(MultiHeadModel model, ITrainingData data, MultiHeadDataset? validation, CancellationToken cancellationToken, TrainingCheckpoint? resume = null)
    {
        TorchRuntime.EnsureLoaded();
        validation?.ValidateFor(model.Heads, model.InputWidth);
        if (Options.EarlyStoppingPatience is not null && validation is null)
        {
            throw new InvalidOperationException("EarlyStoppingPatience is set, but no validation data was given.");
        }

        if (Options.Checkpoint is { } checkpointOptions && Path.GetDirectoryName(Path.GetFullPath(checkpointOptions.Path)) is { } folder && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write checkpoints to '{checkpointOptions.Path}': folder '{folder}' does not exist.");
        }

        if (resume is not null && resume.Optimizer != Options.Optimizer)
        {
            throw new ArgumentException($"The checkpoint was written by a run with the {resume.Optimizer} optimizer, but this trainer uses {Options.Optimizer}; resume with the original run's options.", nameof(resume));
        }

        // First, so that a model the flat buffer cannot hold is refused before anything about it changes.
        using var parameters = new FlatParameters(model.Network.parameters());
        if (model.ClassWeights is null)
        {
            var counts = data.ClassCounts(model.Heads);
            var standardizer = model.Options.StandardizeFeatures ? data.FitStandardizer() : null;
            model.SetTrainingState(ResolveClassWeights(model.Heads, counts), standardizer);
        }

        var classWeights = model.ClassWeights!;
        var state = resume?.State.Clone() ?? new TrainingRunState(Options.Seed ?? Random.Shared.NextInt64(0, long.MaxValue));
        var epochs = state.Epochs;
        var stopwatch = Stopwatch.StartNew();
        using var loss = new MultiHeadLoss(model.Heads, classWeights, model.DeviceType);
        using var shuffleGenerator = new Generator((ulong)state.Seed, CPU);
        using var dropoutGenerator = new Generator((ulong)state.Seed ^ 0x5DEECE66DUL, model.DeviceType);
        using var optimizer = FlatOptimizer.Create(Options.Optimizer, parameters, Options.LearningRate, Options.WeightDecay, Options.Momentum);
        if (resume is not null)
        {
            CheckpointSerializer.RestoreOptimizer(optimizer, resume.OptimizerState, resume.SourceName);
            CheckpointSerializer.RestoreGenerator(shuffleGenerator, resume.ShuffleState, resume.SourceName);
            CheckpointSerializer.RestoreGenerator(dropoutGenerator, resume.DropoutState, resume.SourceName);
        }

        using var prepared = data.Prepare(model, loss);
        bool stoppedEarly = false;
        model.Random.Generator = dropoutGenerator;
        try
        {
            foreach (var callback in Options.Callbacks)
            {
                callback.OnTrainBegin(new TrainBeginArgs(Options.Epochs, prepared.BatchesPerEpoch(Options.BatchSize), classWeights, state.Seed));
            }

            for (int epoch = epochs.Count + 1; epoch <= Options.Epochs; epoch++)
            {
                var epochStart = stopwatch.Elapsed;
                double learningRate = Options.LearningRate * (Options.LearningRateSchedule?.Factor(epoch, Options.Epochs) ?? 1.0);
                optimizer.LearningRate = learningRate;

                model.Network.train();
                var sums = new LossAccumulator(model.Heads.Count);
                int batch = 0;
                foreach (var step in prepared.Batches(epoch, Options.BatchSize, Options.Shuffle ? shuffleGenerator : null))
                {
                    batch++;
                    TrainStep(model, parameters, loss, optimizer, step, epoch, batch, sums, prepared.BatchesPerEpoch(Options.BatchSize), stopwatch);
                    if (cancellationToken.IsCancellationRequested)
                    {
                        throw new TrainingCanceledException(epochs.ToArray(), cancellationToken);
                    }
                }

                model.Network.eval();
                var trainHeads = sums.PerHead(model.Heads);
                (double Total, IReadOnlyDictionary<string, double> PerHead)? valid = validation is null
                    ? null
                    : EvaluateLoss(model, loss, validation, Options.ValidationBatchSize);
                var summary = new EpochSummary(
                    epoch,
                    Total(model.Heads, trainHeads),
                    trainHeads,
                    valid?.Total,
                    valid?.PerHead,
                    learningRate,
                    stopwatch.Elapsed - epochStart);
                epochs.Add(summary);
                foreach (var callback in Options.Callbacks)
                {
                    callback.OnEpochEnd(new EpochEndArgs(summary, Options.Epochs, stopwatch.Elapsed));
                }

                if (Options.EarlyStoppingPatience is { } patience && valid is { } v)
                {
                    if (v.Total < state.BestLoss - Options.EarlyStoppingMinDelta || state.BestEpoch is null)
                    {
                        state.BestLoss = Math.Min(state.BestLoss, v.Total);
                        state.BestEpoch = epoch;
                        state.EpochsWithoutImprovement = 0;
                        state.BestWeights = ModelSerializer.WeightBytes(model.Network);
                    }
                    else if (++state.EpochsWithoutImprovement >= patience)
                    {
                        stoppedEarly = epoch < Options.Epochs;
                        break;
                    }
                }

                if (Options.Checkpoint is { } checkpoint && epoch % checkpoint.EveryEpochs == 0)
                {
                    CheckpointSerializer.Save(checkpoint.Path, model, Options.Optimizer, optimizer, shuffleGenerator, dropoutGenerator, state);
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            if (state.BestWeights is { } best && epochs.Count > 0 && state.BestEpoch != epochs[^1].Epoch)
            {
                using var noGrad = no_grad();
                using var weights = new MemoryStream(best);
                model.Network.load(weights);
            }

            var history = new TrainingHistory(epochs.ToArray(), state.BestEpoch, stoppedEarly, state.Seed, classWeights);
            foreach (var callback in Options.Callbacks)
            {
                callback.OnTrainEnd(new TrainEndArgs(history, stopwatch.Elapsed));
            }

            return history;
        }
        catch (OperationCanceledException e) when (e is not TrainingCanceledException)
        {
            throw new TrainingCanceledException(epochs.ToArray(), cancellationToken);
        }
        finally
        {
            model.Random.Generator = null;
            model.Network.eval();
        }
    }

    private void TrainStep(MultiHeadModel model, FlatParameters parameters, MultiHeadLoss loss, FlatOptimizer optimizer, Func<TrainingBatch> batchFactory, int epoch, int batch, LossAccumulator sums, int? batchesPerEpoch, Stopwatch stopwatch)
    {
        using var scope = NewDisposeScope();
        var step = batchFactory();

        parameters.ZeroGradients();
        var logits = model.Network.forward(step.X);
        var (numerator, denominator) = loss.WeightedSums(logits, step.Targets);
        var perHead = numerator / where(denominator > 0, denominator, ones_like(denominator));
        var total = (perHead * loss.LossMultipliers).sum();

        // One host copy per step: per-head losses, numerators and denominators.
        int heads = model.Heads.Count;
        float[] host = stack([perHead, numerator, denominator]).detach().cpu().data<float>().ToArray();
        var headValues = host.AsSpan(0, heads);
        if (FiniteValues.IndexOfNonFinite(headValues) >= 0)
        {
            // The fused sums mix heads (0 · NaN is NaN), so name the heads from the per-head reference path.
            float[] reference;
            using (no_grad())
            {
                reference = loss.ComputeReference(logits, step.Labels).PerHead.cpu().data<float>().ToArray();
            }

            var badHeads = model.Heads.Where((_, h) => !float.IsFinite(reference[h])).Select(h => h.Name).ToArray();
            throw new NonFiniteLossException(epoch, batch, badHeads, "the loss is not finite");
        }

        total.backward();
        double gradientNorm = Options.GradientClipNorm is { } clip
            ? parameters.ClipGradientNorm(clip)
            : parameters.GradientNorm();
        if (!double.IsFinite(gradientNorm))
        {
            parameters.ZeroGradients();
            throw new NonFiniteLossException(epoch, batch, [], "the gradient norm is not finite");
        }

        optimizer.Step();
        sums.Add(host.AsSpan(heads, heads), host.AsSpan(2 * heads, heads));
        if (Options.Callbacks.Count == 0 && Options.Progress is null)
        {
            return;
        }

        var headLosses = new Dictionary<string, double>(heads, StringComparer.Ordinal);
        double totalValue = 0;
        for (int h = 0; h < heads; h++)
        {
            headLosses[model.Heads[h].Name] = host[h];
            totalValue += model.Heads[h].LossWeight * host[h];
        }

        var args = new BatchEndArgs(epoch, Options.Epochs, batch, batchesPerEpoch, totalValue, headLosses, stopwatch.Elapsed);
        foreach (var callback in Options.Callbacks)
        {
            callback.OnBatchEnd(args);
        }

        Options.Progress?.Report(args);
    }

    private static (double Total, IReadOnlyDictionary<string, double> PerHead) EvaluateLoss(MultiHeadModel model, MultiHeadLoss loss, MultiHeadDataset data, int batchSize)
    {
        var sums = new LossAccumulator(model.Heads.Count);
        bool wasTraining = model.Network.training;
        model.Network.eval();
        using (no_grad())
        {
            for (int start = 0; start < data.RowCount; start += batchSize)
            {
                int count = Math.Min(batchSize, data.RowCount - start);
                using var scope = NewDisposeScope();
                var (x, y) = TensorData.ToTensors(data, start, count, model.DeviceType);
                var (numerator, denominator) = loss.WeightedSums(model.Network.forward(model.Prepare(x)), y);
                sums.Add(numerator.cpu().data<float>().ToArray(), denominator.cpu().data<float>().ToArray());
            }
        }

        model.Network.train(wasTraining);
        var perHead = sums.PerHead(model.Heads);
        return (Total(model.Heads, perHead), perHead);
    }

    private static double Total(IReadOnlyList<HeadDefinition> heads, IReadOnlyDictionary<string, double> perHead) =>
        heads.Sum(h => h.LossWeight * perHead[h.Name]);

    private static Dictionary<string, float[]> ResolveClassWeights(IReadOnlyList<HeadDefinition> heads, long[][] counts)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int h = 0; h < heads.Count; h++)
        {
            if (counts[h].Sum() == 0)
            {
                throw new ArgumentException($"Head '{heads[h].Name}' has no labelled rows in the training data (every label in column {h} is -1), so it cannot be trained.");
            }

            result[heads[h].Name] = heads[h].Weighting.Compute(counts[h], heads[h].Name);
        }

        return result;
    }
}
