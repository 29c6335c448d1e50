using Microsoft.Extensions.Logging;

namespace MultiHeadClassifier.Training;

/// <summary>Settings of <see cref="MultiHeadTrainer"/>. Immutable; <see cref="Validate"/> reports every invalid field at once.</summary>
public sealed record MultiHeadTrainerOptions
{
    /// <summary>Number of passes over the training data.</summary>
    /// <value>Default 10. At least 1.</value>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per optimizer step (in-memory data only; a streaming source sets its own batches).</summary>
    /// <value>Default 64. At least 1.</value>
    public int BatchSize { get; init; } = 64;

    /// <summary>Whether in-memory training rows are shuffled every epoch (with the trainer's own seeded generator).</summary>
    /// <value>Default true.</value>
    public bool Shuffle { get; init; } = true;

    /// <summary>The optimizer.</summary>
    /// <value>Default <see cref="OptimizerKind.Adam"/>.</value>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>The base learning rate.</summary>
    /// <value>Default 0.001. Positive and finite.</value>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Weight decay (L2 for Adam and SGD, decoupled for AdamW).</summary>
    /// <value>Default 0 (0.01 is a common AdamW choice). Non-negative and finite.</value>
    public double WeightDecay { get; init; }

    /// <summary>Momentum for <see cref="OptimizerKind.Sgd"/>.</summary>
    /// <value>Default 0.9. In [0, 1).</value>
    public double Momentum { get; init; } = 0.9;

    /// <summary>A per-epoch learning-rate schedule.</summary>
    /// <value>Default null: constant rate.</value>
    public LearningRateSchedule? LearningRateSchedule { get; init; }

    /// <summary>Clips the global gradient norm to this value before each step.</summary>
    /// <value>Default null: no clipping. Positive and finite when set.</value>
    public double? GradientClipNorm { get; init; }

    /// <summary>
    /// Stops after this many epochs without a validation-loss improvement greater than
    /// <see cref="EarlyStoppingMinDelta"/>, and restores the best epoch's weights. Needs validation data.
    /// </summary>
    /// <value>Default null: no early stopping. At least 1 when set.</value>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>The smallest validation-loss decrease that counts as an improvement.</summary>
    /// <value>Default 0. Non-negative and finite.</value>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>
    /// Seed of the trainer's own generators (shuffling and dropout). The same seeds and data give the same
    /// weights, bit for bit, on CPU (with the same libtorch thread count).
    /// </summary>
    /// <value>
    /// Default null: the model's <c>MultiHeadModelOptions.Seed</c> when the model was created with one, so that
    /// that one seed makes a run reproducible; otherwise a random seed. The seed used is reported in
    /// <see cref="TrainingHistory.Seed"/>.
    /// </value>
    public long? Seed { get; init; }

    /// <summary>
    /// What early stopping and best-epoch restoring watch on the validation data. Improvement means a better value
    /// by more than <see cref="EarlyStoppingMinDelta"/> in the monitor's direction.
    /// </summary>
    /// <value>Default <see cref="ValidationMonitor.Loss"/>, the class-weighted validation loss.</value>
    public ValidationMonitor Monitor { get; init; } = ValidationMonitor.Loss;

    /// <summary>What a fit of an already-trained model does with its class weights and standardisation.</summary>
    /// <value>Default <see cref="RefitBehavior.Recompute"/>: computed again from each fit's training data.</value>
    public RefitBehavior Refit { get; init; } = RefitBehavior.Recompute;

    /// <summary>Rows per forward pass when computing the validation loss.</summary>
    /// <value>Default 4096. At least 1.</value>
    public int ValidationBatchSize { get; init; } = 4096;

    /// <summary>
    /// Periodic checkpoints with the model, optimizer state, epoch and RNG state, from which
    /// <see cref="MultiHeadTrainer.Resume(TrainingCheckpoint, Data.MultiHeadDataset, Data.MultiHeadDataset?, CancellationToken)"/>
    /// continues a run to the same weights, bit for bit on CPU, as an uninterrupted run.
    /// </summary>
    /// <value>Default null: no checkpoints.</value>
    public CheckpointOptions? Checkpoint { get; init; }

    /// <summary>Receives events; see <see cref="TrainingCallback"/>.</summary>
    /// <value>Default empty.</value>
    public IReadOnlyList<TrainingCallback> Callbacks { get; init; } = [];

    /// <summary>Receives a report after every batch (epoch, batch, total and per-head loss, elapsed time).</summary>
    /// <value>Default null.</value>
    public IProgress<BatchEndArgs>? Progress { get; init; }

    /// <summary>
    /// Receives structured log messages: the run's start; per epoch its losses (Information) and each head's losses
    /// (Debug); early-stopping decisions (a new best at Debug, no improvement, the stop and the restored weights at
    /// Information); checkpoint writes (Information); and warnings, such as a head whose validation or training data
    /// lacks a class. Never per batch: use <see cref="Progress"/> or a callback for that. Event ids and names are
    /// listed in the README; every value in a message is also a named property of its state (epoch, head, loss…).
    /// Called on the training thread.
    /// </summary>
    /// <value>Default null: nothing is logged.</value>
    public ILogger? Logger { get; init; }

    /// <summary>Lists every invalid setting.</summary>
    /// <returns>One message per problem; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        AddBatchingErrors(errors);
        AddStepErrors(errors);
        AddEarlyStoppingErrors(errors);
        AddComponentErrors(errors);
        return errors;
    }

    /// <summary>Checks <see cref="Epochs"/>, <see cref="BatchSize"/> and <see cref="ValidationBatchSize"/>.</summary>
    private void AddBatchingErrors(List<string> errors)
    {
        if (Epochs < 1)
        {
            errors.Add($"Epochs must be at least 1, but was {Epochs}.");
        }

        if (BatchSize < 1)
        {
            errors.Add($"BatchSize must be at least 1, but was {BatchSize}.");
        }

        if (ValidationBatchSize < 1)
        {
            errors.Add($"ValidationBatchSize must be at least 1, but was {ValidationBatchSize}.");
        }
    }

    /// <summary>
    /// Checks what shapes each optimizer step: <see cref="LearningRate"/>, <see cref="WeightDecay"/>,
    /// <see cref="Momentum"/> and <see cref="GradientClipNorm"/>.
    /// </summary>
    private void AddStepErrors(List<string> errors)
    {
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
        {
            errors.Add($"LearningRate must be a positive finite number, but was {LearningRate}.");
        }

        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
        {
            errors.Add($"WeightDecay must be a non-negative finite number, but was {WeightDecay}.");
        }

        if (!(Momentum >= 0 && Momentum < 1))
        {
            errors.Add($"Momentum must be in [0, 1), but was {Momentum}.");
        }

        if (GradientClipNorm is { } clip && (!double.IsFinite(clip) || clip <= 0))
        {
            errors.Add($"GradientClipNorm must be a positive finite number when set, but was {clip}.");
        }
    }

    /// <summary>Checks <see cref="EarlyStoppingPatience"/> and <see cref="EarlyStoppingMinDelta"/>.</summary>
    private void AddEarlyStoppingErrors(List<string> errors)
    {
        if (EarlyStoppingPatience is { } patience && patience < 1)
        {
            errors.Add($"EarlyStoppingPatience must be at least 1 when set, but was {patience}.");
        }

        if (!double.IsFinite(EarlyStoppingMinDelta) || EarlyStoppingMinDelta < 0)
        {
            errors.Add($"EarlyStoppingMinDelta must be a non-negative finite number, but was {EarlyStoppingMinDelta}.");
        }
    }

    /// <summary>Checks the chosen <see cref="Optimizer"/> and <see cref="Refit"/>, the <see cref="Checkpoint"/> settings and the <see cref="Callbacks"/>.</summary>
    private void AddComponentErrors(List<string> errors)
    {
        if (!Enum.IsDefined(Optimizer))
        {
            errors.Add($"Optimizer {(int)Optimizer} is not a known optimizer.");
        }

        if (Monitor is null)
        {
            errors.Add("Monitor must not be null.");
        }

        if (!Enum.IsDefined(Refit))
        {
            errors.Add($"Refit {(int)Refit} is not a known refit behaviour.");
        }

        if (Checkpoint is not null)
        {
            errors.AddRange(Checkpoint.Validate());
        }

        if (Callbacks is null || Callbacks.Any(c => c is null))
        {
            errors.Add("Callbacks must not be null or contain null.");
        }
    }
}
