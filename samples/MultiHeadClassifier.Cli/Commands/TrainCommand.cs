using System.CommandLine;
using System.Globalization;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Cli.Reporting;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Spectre.Console;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary><c>mhc train</c>: trains a model on a CSV file and writes it, its history and a loss plot to a directory.</summary>
public static class TrainCommand
{
    /// <summary>
    /// The largest class count inferred from the training labels (max label + 1) without <c>--classes</c>. A larger
    /// label is far more often a typo or a non-label column than a head with that many classes, and the head's
    /// layer would grow with it (a label of 10⁹ asks for billions of weights); <c>--classes</c> allows more.
    /// </summary>
    public const int MaxInferredClassCount = 1000;

    /// <summary>Builds the command.</summary>
    /// <param name="context">Output writers.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var defaults = new MultiHeadTrainerOptions();
        var train = new Option<string>("--train") { Description = "Training CSV (header row; head columns hold class indices, empty = missing).", Required = true };
        var valid = new Option<string?>("--valid") { Description = "Validation CSV, for validation loss and early stopping." };
        var heads = new Option<string>("--heads") { Description = "Comma-separated head (label) columns; every other column is a numeric feature.", Required = true };
        var output = new Option<string>("--out") { Description = "Output directory for the model, history.csv and loss.png.", Required = true };
        var classes = new Option<string?>("--classes") { Description = "K for every head, or h1=K1,h2=K2. Default: max label + 1 in the training data." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per step.", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Learning rate (Adam).", DefaultValueFactory = _ => defaults.LearningRate };
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer widths.", DefaultValueFactory = _ => "128,64" };
        var dropout = new Option<double>("--dropout") { Description = "Dropout after each hidden layer.", DefaultValueFactory = _ => 0 };
        var weights = new Option<string>("--class-weights") { Description = "none|balanced|sqrt|effective[:beta].", DefaultValueFactory = _ => "balanced" };
        var seed = new Option<long?>("--seed") { Description = "Seed for initial weights, shuffling and dropout. Default: random." };
        var missing = new Option<string>("--missing-features") { Description = "error|mean: reject, or impute training means for, missing/non-numeric feature cells.", DefaultValueFactory = _ => "error" };
        var early = new Option<int?>("--early-stopping") { Description = "Stop after N epochs without validation-loss improvement (needs --valid)." };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = $"Every N epochs, save the run to <out>/{ModelDirectory.CheckpointFile} for --resume." };
        var resume = new Option<bool>("--resume") { Description = $"Continue the run saved in <out>/{ModelDirectory.CheckpointFile} (give the original run's options; the seed is the checkpoint's)." };
        missing.AcceptOnlyFromAmong("error", "mean");

        var command = new Command("train", "Train a multi-head classifier on a CSV file.")
        {
            train, valid, heads, output, classes, epochs, batchSize, lr, hidden, dropout, weights, seed, missing, early, checkpointEvery, resume,
        };
        command.SetAction(p => Run(context, new TrainSettings(
            p.GetValue(train)!,
            p.GetValue(valid),
            OptionParsers.Heads(p.GetValue(heads)!),
            p.GetValue(output)!,
            p.GetValue(classes),
            p.GetValue(epochs),
            p.GetValue(batchSize),
            p.GetValue(lr),
            OptionParsers.Hidden(p.GetValue(hidden)!),
            p.GetValue(dropout),
            OptionParsers.Weighting(p.GetValue(weights)!),
            p.GetValue(seed),
            p.GetValue(missing) == "mean",
            p.GetValue(early),
            p.GetValue(checkpointEvery),
            p.GetValue(resume))));
        return command;
    }

    private static int Run(CliContext context, TrainSettings s)
    {
        if (s.EarlyStopping is not null && s.Valid is null)
        {
            throw new CliException("--early-stopping needs --valid data to measure validation loss.");
        }

        if (s.CheckpointEvery is < 1)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--checkpoint-every: {s.CheckpointEvery} is not a number of epochs (give 1 or more)."));
        }

        string checkpointPath = Path.Combine(s.Out, ModelDirectory.CheckpointFile);
        string runPath = Path.Combine(s.Out, ModelDirectory.CheckpointRunFile);
        if (s.Resume && !File.Exists(checkpointPath))
        {
            throw new CliException($"--resume: there is no checkpoint {checkpointPath} to resume (a run writes one with --checkpoint-every N).");
        }

        var trainTable = CsvDataReader.Read(s.Train);
        CsvDataReader.RequireColumns(trainTable, s.Heads);
        string[] features = trainTable.Header.Where(c => !s.Heads.Contains(c, StringComparer.Ordinal)).ToArray();
        if (features.Length == 0)
        {
            throw new CliException($"{trainTable.FileName}: no feature columns (every column is listed in --heads).");
        }

        var means = s.ImputeMeans ? CsvDataReader.Means(trainTable, features) : null;
        int?[] given = OptionParsers.Classes(s.Classes, s.Heads);
        var trainLabels = CsvDataReader.Labels(trainTable, s.Heads, given.Any(k => k is null) ? null : given.Select(k => k!.Value).ToArray());
        int[] classCounts = ResolveClassCounts(trainTable, s.Heads, given, trainLabels);
        if (given.Any(k => k is null))
        {
            CsvDataReader.Labels(trainTable, s.Heads, classCounts);
        }

        var trainData = new MultiHeadDataset(CsvDataReader.Features(trainTable, features, means), trainLabels);
        MultiHeadDataset? validData = null;
        string? validName = null;
        if (s.Valid is not null)
        {
            var validTable = CsvDataReader.Read(s.Valid);
            validName = validTable.FileName;
            validData = new MultiHeadDataset(CsvDataReader.Features(validTable, features, means), CsvDataReader.Labels(validTable, s.Heads, classCounts));
        }

        CheckEveryClassSeen(trainTable, s.Heads, classCounts, trainData, s.Weighting);
        var heads = s.Heads.Select((h, i) => new HeadDefinition(h, classCounts[i], weighting: s.Weighting)).ToArray();
        var run = CheckpointRun.Describe(s.Train, s.Valid, ResumeOptions(s));
        TrainingCheckpoint? checkpoint = null;
        if (s.Resume)
        {
            // Features and imputation means come from the training file, which RequireSameRun checks is the one the
            // checkpointed run read, so recomputing them gives that run's features.json and imputation.json.
            CheckpointRun.Load(runPath).RequireSameRun(run, trainTable.FileName, validName);
            checkpoint = CheckpointFile.Load(checkpointPath);
        }

        using var model = checkpoint?.Model ?? MultiHeadModel.Create(features.Length, heads, new MultiHeadModelOptions
        {
            Backbone = new MlpBackboneOptions { HiddenSizes = s.Hidden, Dropout = s.Dropout },
            Seed = s.Seed,
        });
        if (checkpoint is not null)
        {
            RequireCheckpointModelMatches(checkpoint, s, heads, features.Length, trainTable.FileName);
        }

        var options = new MultiHeadTrainerOptions
        {
            Epochs = s.Epochs,
            BatchSize = s.BatchSize,
            LearningRate = s.LearningRate,
            Seed = checkpoint?.Seed ?? s.Seed,
            EarlyStoppingPatience = s.EarlyStopping,
            Checkpoint = s.CheckpointEvery is { } every ? new CheckpointOptions(new CheckpointFile(checkpointPath)) { EveryEpochs = every } : null,
        };
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new CliException("Invalid training options: " + string.Join(" ", errors));
        }

        if (s.CheckpointEvery is not null && checkpoint is null)
        {
            // A fresh run replaces any earlier run's checkpoint, so that --resume never pairs one run's checkpoint
            // with another's description.
            Directory.CreateDirectory(s.Out);
            File.Delete(checkpointPath);
            run.Save(runPath);
        }

        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Training on {trainData.RowCount} rows, {features.Length} features, heads {string.Join(", ", heads.Select(h => $"{h.Name} (K={h.ClassCount})"))}."));
        if (checkpoint is not null)
        {
            context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Resuming from {checkpointPath} at epoch {checkpoint.CompletedEpochs} of {s.Epochs} (seed {checkpoint.Seed})."));
        }

        TrainingHistory history;
        try
        {
            history = context.Interactive
                ? TrainWithProgressBar(options, t => Train(t, model, checkpoint, trainData, validData, context.CancellationToken))
                : Train(new MultiHeadTrainer(options with { Callbacks = [new PlainLogCallback(context.Stdout)] }), model, checkpoint, trainData, validData, context.CancellationToken);
        }
        catch (TrainingCanceledException e)
        {
            throw new OperationCanceledException(Interrupted(e.CompletedEpochs.Count, s.CheckpointEvery, checkpoint?.CompletedEpochs, checkpointPath), e, e.CancellationToken);
        }

        Directory.CreateDirectory(s.Out);
        ModelDirectory.Save(s.Out, model, features, means);
        HistoryCsv.Write(Path.Combine(s.Out, "history.csv"), history, s.Heads);
        LossPlot.Save(Path.Combine(s.Out, "loss.png"), history);
        string best = history.BestEpoch is { } b ? string.Create(CultureInfo.InvariantCulture, $", best epoch {b}") : string.Empty;
        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Trained {history.Epochs.Count} epochs (seed {history.Seed}{best}); wrote {s.Out}."));
        return 0;
    }

    private static TrainingHistory Train(MultiHeadTrainer trainer, MultiHeadModel model, TrainingCheckpoint? checkpoint, MultiHeadDataset train, MultiHeadDataset? valid, CancellationToken cancellationToken) =>
        checkpoint is null
            ? trainer.Fit(model, train, valid, cancellationToken)
            : trainer.Resume(checkpoint, train, valid, cancellationToken);

    private static TrainingHistory TrainWithProgressBar(MultiHeadTrainerOptions options, Func<MultiHeadTrainer, TrainingHistory> train) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training");
                var history = train(new MultiHeadTrainer(options with { Callbacks = [new SpectreProgressCallback(task)] }));
                task.Value = task.MaxValue;
                return history;
            });

    /// <summary>The options a resumed run must share with the original that the checkpoint does not record.</summary>
    private static Dictionary<string, string> ResumeOptions(TrainSettings s) => new(StringComparer.Ordinal)
    {
        ["--batch-size"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["--lr"] = s.LearningRate.ToString("R", CultureInfo.InvariantCulture),
        ["--early-stopping"] = s.EarlyStopping?.ToString(CultureInfo.InvariantCulture) ?? "(none)",
        ["--missing-features"] = s.ImputeMeans ? "mean" : "error",
    };

    private static void RequireCheckpointModelMatches(TrainingCheckpoint checkpoint, TrainSettings s, HeadDefinition[] heads, int featureCount, string trainName)
    {
        var model = checkpoint.Model;
        static string Describe(IEnumerable<HeadDefinition> hs) => string.Join(", ", hs.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Name} (K={h.ClassCount})")));
        if (model.InputWidth != featureCount)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--resume: {trainName} has {featureCount} feature columns, but the checkpoint's model takes {model.InputWidth}."));
        }

        if (!model.Heads.Select(h => (h.Name, h.ClassCount)).SequenceEqual(heads.Select(h => (h.Name, h.ClassCount))))
        {
            throw new CliException($"--resume: --heads and --classes give {Describe(heads)}, but the checkpoint's model has {Describe(model.Heads)}; give the original run's options.");
        }

        if (model.Heads.FirstOrDefault(h => h.Weighting != s.Weighting) is { } head)
        {
            throw new CliException($"--resume: --class-weights {s.Weighting.Name} differs from the checkpoint's model, whose head '{head.Name}' uses {head.Weighting.Name} (or other parameters); give the original run's options.");
        }

        var backbone = model.BackboneOptions;
        if (backbone is null || !backbone.HiddenSizes.SequenceEqual(s.Hidden))
        {
            throw new CliException($"--resume: --hidden {string.Join(",", s.Hidden)} differs from the checkpoint's model ({(backbone is null ? "a custom backbone" : string.Join(",", backbone.HiddenSizes))}); give the original run's options.");
        }

        if (backbone.Dropout != s.Dropout)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--resume: --dropout {s.Dropout:R} differs from the checkpoint's model ({backbone.Dropout:R}); give the original run's options."));
        }

        if (s.Seed is { } seed && seed != checkpoint.Seed)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--resume: --seed {seed} differs from the checkpointed run's seed {checkpoint.Seed}; leave --seed out to use the checkpoint's."));
        }
    }

    private static string Interrupted(int completed, int? every, int? resumedFrom, string checkpointPath)
    {
        int saved = Math.Max(every is { } n ? completed / n * n : 0, resumedFrom ?? 0);
        string done = string.Create(CultureInfo.InvariantCulture, $"training was interrupted after {completed} complete epoch(s)");
        return saved > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{done}; {checkpointPath} holds epoch {saved}: run the same command with --resume to continue from there.")
            : every is null
                ? $"{done}; nothing was written (--checkpoint-every N saves the run for --resume)."
                : string.Create(CultureInfo.InvariantCulture, $"{done}, before the first checkpoint (after epoch {every}); there is nothing to resume.");
    }

    private static void CheckEveryClassSeen(CsvTable table, IReadOnlyList<string> heads, int[] classCounts, MultiHeadDataset data, ClassWeighting weighting)
    {
        if (!weighting.NeedsCounts)
        {
            return;
        }

        for (int h = 0; h < heads.Count; h++)
        {
            int[] labels = data.HeadLabels(h);
            int missing = Enumerable.Range(0, classCounts[h]).FirstOrDefault(c => !labels.Contains(c), -1);
            if (missing >= 0)
            {
                throw new CliException($"{table.FileName}, head '{heads[h]}': class {missing} of 0..{classCounts[h] - 1} has no training rows, so '{weighting.Name}' class weights are undefined; use --class-weights none or a smaller --classes.");
            }
        }
    }

    private static int[] ResolveClassCounts(CsvTable table, IReadOnlyList<string> heads, int?[] given, int[,] labels)
    {
        var result = new int[heads.Count];
        for (int h = 0; h < heads.Count; h++)
        {
            if (given[h] is { } k)
            {
                result[h] = k;
                continue;
            }

            int max = -1;
            for (int r = 0; r < labels.GetLength(0); r++)
            {
                max = Math.Max(max, labels[r, h]);
            }

            if (max >= MaxInferredClassCount)
            {
                int row = Enumerable.Range(0, labels.GetLength(0)).First(r => labels[r, h] == max);
                throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{table.Where(row, table.IndexOf(heads[h]))}, head '{heads[h]}': label {max} would mean {max + 1L} classes, more than the {MaxInferredClassCount} inferred without --classes; if the head really has that many classes, give --classes."));
            }

            if (max < 1)
            {
                throw new CliException($"{table.FileName}, head '{heads[h]}': the training labels show {max + 1} class(es); a head needs at least 2 (give --classes).");
            }

            result[h] = max + 1;
        }

        return result;
    }

    private sealed record TrainSettings(
        string Train,
        string? Valid,
        string[] Heads,
        string Out,
        string? Classes,
        int Epochs,
        int BatchSize,
        double LearningRate,
        int[] Hidden,
        double Dropout,
        ClassWeighting Weighting,
        long? Seed,
        bool ImputeMeans,
        int? EarlyStopping,
        int? CheckpointEvery,
        bool Resume);
}
