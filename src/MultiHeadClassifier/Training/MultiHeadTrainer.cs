using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Native;

namespace MultiHeadClassifier.Training;

/// <summary>
/// Fits a <see cref="MultiHeadModel"/> by minimising Σ_h λ_h · (class-weighted cross-entropy of head h).
/// Holds only settings; a model keeps no trainer state, so a trained model predicts without a trainer.
/// </summary>
/// <remarks>
/// <para>
/// One run: validate the data against the model; on the model's first fit (and, under the default
/// <see cref="RefitBehavior.Recompute"/>, on every later one) resolve each head's class weights
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
/// weights, so neither touches libtorch's global RNG; when the trainer's seed is unset, the model's seed serves
/// both, so one seed makes a run reproducible. On CPU the same seeds and data give the same weights bit for bit
/// (with the same libtorch thread count).
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
        model.ThrowIfDisposed();
        train.ValidateFor(model.Heads, model.InputWidth, role: "training data");
        return Run(model, new InMemoryData(train), validation, cancellationToken);
    }

    /// <summary>Trains on a streaming source, for data that does not fit in memory.</summary>
    /// <param name="model">The model; its weights are updated in place.</param>
    /// <param name="train">The batches; before training, one extra pass counts classes and fingerprints the data, and another fits the standardisation when it is computed.</param>
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
        using var loss = new MultiHeadLoss(model.Heads, weights, model.Device);
        return LossEvaluation.Evaluate(model, loss, data, batchSize);
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
        train.ValidateFor(checkpoint.Model.Heads, checkpoint.Model.InputWidth, role: "training data");
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
        model.ThrowIfDisposed();
        validation?.ValidateFor(model.Heads, model.InputWidth, role: "validation data");
        if (Options.EarlyStoppingPatience is not null && validation is null)
        {
            throw new InvalidOperationException("EarlyStoppingPatience is set, but no validation data was given.");
        }

        Options.Checkpoint?.Store.EnsureWritable();
        if (resume is not null && resume.Optimizer != Options.Optimizer)
        {
            throw new ArgumentException($"The checkpoint was written by a run with the {resume.Optimizer} optimizer, but this trainer uses {Options.Optimizer}; resume with the original run's options.", nameof(resume));
        }

        using var run = TrainingRun.Start(model, data, validation, Options, resume, cancellationToken);
        return run.Execute();
    }
}
