using System.CommandLine;
using System.Globalization;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Cli.Reporting;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Spectre.Console;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary><c>mhc train</c>: trains a model on a CSV file and writes it, its history and a loss plot to a directory.</summary>
public static class TrainCommand
{
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
        missing.AcceptOnlyFromAmong("error", "mean");

        var command = new Command("train", "Train a multi-head classifier on a CSV file.")
        {
            train, valid, heads, output, classes, epochs, batchSize, lr, hidden, dropout, weights, seed, missing, early,
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
            p.GetValue(early))));
        return command;
    }

    private static int Run(CliContext context, TrainSettings s)
    {
        if (s.EarlyStopping is not null && s.Valid is null)
        {
            throw new CliException("--early-stopping needs --valid data to measure validation loss.");
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
        if (s.Valid is not null)
        {
            var validTable = CsvDataReader.Read(s.Valid);
            validData = new MultiHeadDataset(CsvDataReader.Features(validTable, features, means), CsvDataReader.Labels(validTable, s.Heads, classCounts));
        }

        CheckEveryClassSeen(trainTable, s.Heads, classCounts, trainData, s.Weighting);
        var heads = s.Heads.Select((h, i) => new HeadDefinition(h, classCounts[i], weighting: s.Weighting)).ToArray();
        using var model = MultiHeadModel.Create(features.Length, heads, new MultiHeadModelOptions
        {
            Backbone = new MlpBackboneOptions { HiddenSizes = s.Hidden, Dropout = s.Dropout },
            Seed = s.Seed,
        });

        var options = new MultiHeadTrainerOptions
        {
            Epochs = s.Epochs,
            BatchSize = s.BatchSize,
            LearningRate = s.LearningRate,
            Seed = s.Seed,
            EarlyStoppingPatience = s.EarlyStopping,
        };
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new CliException("Invalid training options: " + string.Join(" ", errors));
        }

        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Training on {trainData.RowCount} rows, {features.Length} features, heads {string.Join(", ", heads.Select(h => $"{h.Name} (K={h.ClassCount})"))}."));
        var history = context.Interactive ? FitWithProgressBar(model, options, trainData, validData) : new MultiHeadTrainer(options with { Callbacks = [new PlainLogCallback(context.Stdout)] }).Fit(model, trainData, validData);

        Directory.CreateDirectory(s.Out);
        ModelDirectory.Save(s.Out, model, features, means);
        HistoryCsv.Write(Path.Combine(s.Out, "history.csv"), history, s.Heads);
        LossPlot.Save(Path.Combine(s.Out, "loss.png"), history);
        string best = history.BestEpoch is { } b ? string.Create(CultureInfo.InvariantCulture, $", best epoch {b}") : string.Empty;
        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Trained {history.Epochs.Count} epochs (seed {history.Seed}{best}); wrote {s.Out}."));
        return 0;
    }

    private static TrainingHistory FitWithProgressBar(MultiHeadModel model, MultiHeadTrainerOptions options, MultiHeadDataset train, MultiHeadDataset? valid) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training");
                var history = new MultiHeadTrainer(options with { Callbacks = [new SpectreProgressCallback(task)] }).Fit(model, train, valid);
                task.Value = task.MaxValue;
                return history;
            });

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

            if (max == int.MaxValue)
            {
                int row = Enumerable.Range(0, labels.GetLength(0)).First(r => labels[r, h] == max);
                throw new CliException($"{table.Where(row, table.IndexOf(heads[h]))}, head '{heads[h]}': label {max} is too large to infer the class count from (give --classes).");
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
        int? EarlyStopping);
}
