using System.Globalization;
using MultiHeadClassifier.Cli.Reporting;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Spectre.Console;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// One <c>mhc train</c> run, in four steps: load the input files (<see cref="TrainInputs"/>), build the model or
/// resume the checkpointed run, train, and write the model directory.
/// </summary>
/// <param name="context">Where to write and what interrupts training.</param>
/// <param name="settings">The command's options.</param>
internal sealed class TrainRun(CliContext context, TrainSettings settings)
{
    /// <summary>Runs every step.</summary>
    /// <exception cref="CliException">An option or the data is unusable, or does not continue the checkpointed run.</exception>
    /// <exception cref="OperationCanceledException">Training was interrupted; the message says what the checkpoint holds.</exception>
    public void Execute()
    {
        RequireUsableOptions();
        if (settings.Ensemble > 1)
        {
            ExecuteEnsemble();
            return;
        }

        using var inputs = TrainInputs.Load(settings);
        var run = CheckpointRun.Describe(settings.Train, settings.Valid, settings.ResumeOptionsWithMissing());
        var (model, checkpoint) = BuildOrResume(inputs, run);
        using (model)
        {
            var options = TrainerOptions(checkpoint);
            if (settings.CheckpointEvery is not null && checkpoint is null)
            {
                StartCheckpoints(run);
            }

            var history = Train(model, checkpoint, inputs, options);
            Write(model, inputs, history);
        }
    }

    /// <summary>
    /// <c>--ensemble M</c>: M members trained one after another with seeds s, s+1, …, s+M−1 (s from <c>--seed</c>, or
    /// random), then written as one <c>ensemble.mhce</c>; <c>history.csv</c> and <c>loss.png</c> are the first
    /// member's, <c>history-&lt;i&gt;.csv</c> the others'.
    /// </summary>
    private void ExecuteEnsemble()
    {
        using var inputs = TrainInputs.Load(settings);
        long seed = settings.Seed ?? Random.Shared.NextInt64(0, long.MaxValue / 2);
        var members = new List<MultiHeadModel>();
        var histories = new List<TrainingHistory>();
        try
        {
            for (int i = 0; i < settings.Ensemble; i++)
            {
                context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Ensemble member {i + 1} of {settings.Ensemble} (seed {seed + i})."));
                var model = MultiHeadModel.Create(inputs.Features.Length, inputs.Heads, ModelOptions(seed + i));
                members.Add(model);
                histories.Add(Train(model, null, inputs, TrainerOptions(null) with { Seed = seed + i }));
            }
        }
        catch
        {
            members.ForEach(m => m.Dispose());
            throw;
        }

        using var ensemble = new MultiHeadEnsemble(members);
        ModelDirectory.Save(settings.Out, ensemble, inputs.Features, inputs.Means, settings.Missing.IsDefault ? null : settings.Missing.Tokens);
        HistoryCsv.Write(Path.Combine(settings.Out, "history.csv"), histories[0], settings.Heads);
        for (int i = 1; i < histories.Count; i++)
        {
            HistoryCsv.Write(Path.Combine(settings.Out, string.Create(CultureInfo.InvariantCulture, $"history-{i}.csv")), histories[i], settings.Heads);
        }

        LossPlot.Save(Path.Combine(settings.Out, "loss.png"), histories[0]);
        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Trained an ensemble of {settings.Ensemble} (seeds {seed} to {seed + settings.Ensemble - 1}); wrote {settings.Out}."));
    }

    private MultiHeadModelOptions ModelOptions(long? seed) => new()
    {
        Backbone = new MlpBackboneOptions { HiddenSizes = settings.Hidden, Dropout = settings.Dropout },
        Seed = seed,
    };

    /// <summary>The checks that need no data: option combinations, and a checkpoint to resume.</summary>
    private void RequireUsableOptions()
    {
        if (settings.Ensemble < 1)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--ensemble: {settings.Ensemble} is not a number of members (give 1 or more)."));
        }

        if (settings.Ensemble > 1 && (settings.CheckpointEvery is not null || settings.Resume))
        {
            throw new CliException("--ensemble: checkpoints and --resume are for a single model; train the ensemble without --checkpoint-every and --resume.");
        }

        if (settings.EarlyStopping is not null && settings.Valid is null)
        {
            throw new CliException("--early-stopping needs --valid data to measure validation loss.");
        }

        if (settings.CheckpointEvery is < 1)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--checkpoint-every: {settings.CheckpointEvery} is not a number of epochs (give 1 or more)."));
        }

        if (settings.Resume && !File.Exists(settings.CheckpointPath))
        {
            throw new CliException($"--resume: there is no checkpoint {settings.CheckpointPath} to resume (a run writes one with --checkpoint-every N).");
        }
    }

    /// <summary>
    /// A new model, or with <c>--resume</c> the checkpoint's, once <paramref name="run"/> has been checked against
    /// the checkpointed run's description and the options against its model. The caller owns the model.
    /// </summary>
    private (MultiHeadModel Model, TrainingCheckpoint? Checkpoint) BuildOrResume(TrainInputs inputs, CheckpointRun run)
    {
        if (!settings.Resume)
        {
            return (MultiHeadModel.Create(inputs.Features.Length, inputs.Heads, ModelOptions(settings.Seed)), null);
        }

        // Features and imputation means come from the training file, which RequireSameRun checks is the one the
        // checkpointed run read, so recomputing them gives that run's features.json and imputation.json.
        CheckpointRun.Load(settings.CheckpointRunPath).RequireSameRun(run, inputs.TrainName, inputs.ValidName);
        var checkpoint = CheckpointFile.Load(settings.CheckpointPath);
        try
        {
            ResumeCheck.RequireSameModel(checkpoint, settings, inputs);
        }
        catch
        {
            checkpoint.Model.Dispose();
            throw;
        }

        return (checkpoint.Model, checkpoint);
    }

    /// <summary>The trainer's options; a resumed run takes the checkpoint's seed.</summary>
    private MultiHeadTrainerOptions TrainerOptions(TrainingCheckpoint? checkpoint)
    {
        var options = new MultiHeadTrainerOptions
        {
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            LearningRate = settings.LearningRate,
            Seed = checkpoint?.Seed ?? settings.Seed,
            EarlyStoppingPatience = settings.EarlyStopping,
            Monitor = ValidationMonitors.Parse(settings.Monitor),
            Checkpoint = settings.CheckpointEvery is { } every ? new CheckpointOptions(new CheckpointFile(settings.CheckpointPath)) { EveryEpochs = every } : null,
        };
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new CliException("Invalid training options: " + string.Join(" ", errors));
        }

        return options;
    }

    /// <summary>
    /// Before a fresh run with checkpoints: removes any earlier run's checkpoint and writes this run's
    /// <c>checkpoint.json</c>, so that <c>--resume</c> never pairs one run's checkpoint with another's description.
    /// </summary>
    private void StartCheckpoints(CheckpointRun run)
    {
        Directory.CreateDirectory(settings.Out);
        File.Delete(settings.CheckpointPath);
        run.Save(settings.CheckpointRunPath);
    }

    /// <summary>
    /// Trains with a progress bar on a terminal, or plain lines otherwise; either way the trainer's log (epochs,
    /// early stopping, checkpoints, warnings) goes to the same display through <see cref="ProgressLogger"/>.
    /// </summary>
    private TrainingHistory Train(MultiHeadModel model, TrainingCheckpoint? checkpoint, TrainInputs inputs, MultiHeadTrainerOptions options)
    {
        string heads = string.Join(", ", inputs.Heads.Select(h => $"{h.Name} (K={h.ClassCount})"));
        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Training on {inputs.Train.RowCount} rows, {inputs.Features.Length} features, heads {heads}."));
        if (checkpoint is not null)
        {
            context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Resuming from {settings.CheckpointPath} at epoch {checkpoint.CompletedEpochs} of {settings.Epochs} (seed {checkpoint.Seed})."));
        }

        // The file source shuffles with the trainer's seed, so it is fixed here when --seed is not given (as the
        // trainer would fix it), and a resumed run, which takes the checkpoint's seed, sees the same batches.
        long seed = options.Seed ?? model.Options.Seed ?? Random.Shared.NextInt64(0, long.MaxValue);
        using var source = inputs.Train.Open(options.BatchSize, seed);
        TrainingHistory Fit(MultiHeadTrainer trainer) => checkpoint is null
            ? trainer.Fit(model, source, inputs.Valid, context.CancellationToken)
            : trainer.Resume(checkpoint, source, inputs.Valid, context.CancellationToken);
        options = options with { Logger = ProgressLogger.For(context), Seed = seed };
        try
        {
            return context.Interactive
                ? WithProgressBar(options, Fit)
                : Fit(new MultiHeadTrainer(options));
        }
        catch (TrainingCanceledException e)
        {
            throw new OperationCanceledException(Interrupted(e.CompletedEpochs.Count, checkpoint?.CompletedEpochs), e, e.CancellationToken);
        }
    }

    private static TrainingHistory WithProgressBar(MultiHeadTrainerOptions options, Func<MultiHeadTrainer, TrainingHistory> fit) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training");
                var history = fit(new MultiHeadTrainer(options with { Callbacks = [new SpectreProgressCallback(task)] }));
                task.Value = task.MaxValue;
                return history;
            });

    /// <summary>The message of an interrupted run: how many epochs finished, and which one the checkpoint holds.</summary>
    private string Interrupted(int completed, int? resumedFrom)
    {
        int? every = settings.CheckpointEvery;
        int saved = Math.Max(every is { } n ? completed / n * n : 0, resumedFrom ?? 0);
        string done = string.Create(CultureInfo.InvariantCulture, $"training was interrupted after {completed} complete epoch(s)");
        return saved > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{done}; {settings.CheckpointPath} holds epoch {saved}: run the same command with --resume to continue from there.")
            : every is null
                ? $"{done}; nothing was written (--checkpoint-every N saves the run for --resume)."
                : string.Create(CultureInfo.InvariantCulture, $"{done}, before the first checkpoint (after epoch {every}); there is nothing to resume.");
    }

    /// <summary>Writes the model directory: model.mhc, features.json, imputation.json (or removes a stale one), history.csv and loss.png.</summary>
    private void Write(MultiHeadModel model, TrainInputs inputs, TrainingHistory history)
    {
        Directory.CreateDirectory(settings.Out);
        ModelDirectory.Save(settings.Out, model, inputs.Features, inputs.Means, settings.Missing.IsDefault ? null : settings.Missing.Tokens);
        HistoryCsv.Write(Path.Combine(settings.Out, "history.csv"), history, settings.Heads);
        LossPlot.Save(Path.Combine(settings.Out, "loss.png"), history);
        string best = history.BestEpoch is { } b ? string.Create(CultureInfo.InvariantCulture, $", best epoch {b}") : string.Empty;
        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Trained {history.Epochs.Count} epochs (seed {history.Seed}{best}); wrote {settings.Out}."));
    }
}
