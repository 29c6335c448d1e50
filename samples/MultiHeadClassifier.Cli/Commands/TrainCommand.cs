using System.CommandLine;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary><c>mhc train</c>: trains a model on a CSV or Parquet file and writes it, its history and a loss plot to a directory.</summary>
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
        var train = new Option<string>("--train") { Description = "Training CSV or Parquet file (.parquet) (header row; head columns hold class indices, empty or null = missing).", Required = true };
        var valid = new Option<string?>("--valid") { Description = "Validation CSV or Parquet file, for validation loss and early stopping." };
        var heads = new Option<string>("--heads") { Description = "Comma-separated head (label) columns; every other column is a numeric feature.", Required = true };
        var output = new Option<string>("--out") { Description = "Output directory for the model, history.csv and loss.png.", Required = true };
        var classes = new Option<string?>("--classes") { Description = "K for every head, or h1=K1,h2=K2. Default: max label + 1 in the training data." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per step.", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Learning rate (Adam).", DefaultValueFactory = _ => defaults.LearningRate };
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer widths.", DefaultValueFactory = _ => "128,64" };
        var dropout = new Option<double>("--dropout") { Description = "Dropout after each hidden layer.", DefaultValueFactory = _ => 0 };
        var weights = new Option<string>("--class-weights") { Description = "none|balanced|inverse-sqrt|effective-number[:beta].", DefaultValueFactory = _ => "balanced" };
        var seed = new Option<long?>("--seed") { Description = "Seed for initial weights, shuffling and dropout. Default: random." };
        var missing = new Option<string>("--missing-features") { Description = "error|mean: reject, or impute training means for, missing feature cells (see --na-values; Parquet nulls); any other non-number is always an error.", DefaultValueFactory = _ => "error" };
        var early = new Option<int?>("--early-stopping") { Description = "Stop after N epochs without validation-loss improvement (needs --valid)." };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = $"Every N epochs, save the run to <out>/{ModelDirectory.CheckpointFile} for --resume." };
        var loss = new Option<string?>("--loss") { Description = "ce|corn|coral for every head, or h1=corn,h2=ce (heads not named: ce). Default: ce." };
        var monitor = new Option<string>("--monitor") { Description = "What early stopping and the best epoch watch on --valid: loss|nll|balanced_accuracy|macro_f1|qwk|mae.", DefaultValueFactory = _ => "loss" };
        monitor.AcceptOnlyFromAmong([.. ValidationMonitors.All.Select(m => m.Name)]);
        var ensemble = new Option<int>("--ensemble") { Description = "Train a seed ensemble of M members (seeds s..s+M-1); the directory then holds ensemble.mhce.", DefaultValueFactory = _ => 1 };
        var resume = new Option<bool>("--resume") { Description = $"Continue the run saved in <out>/{ModelDirectory.CheckpointFile} (give the original run's options; the seed is the checkpoint's)." };
        var naValues = OptionParsers.NaValuesOption(train: true);
        missing.AcceptOnlyFromAmong("error", "mean");

        var command = new Command("train", "Train a multi-head classifier on a CSV or Parquet file.")
        {
            train, valid, heads, output, classes, epochs, batchSize, lr, hidden, dropout, weights, seed, missing, naValues, early, checkpointEvery, resume, loss, monitor, ensemble,
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
            p.GetValue(resume),
            p.GetValue(loss),
            p.GetValue(monitor)!,
            p.GetValue(ensemble),
            OptionParsers.NaValues(p.GetValue(naValues)))));
        return command;
    }

    private static int Run(CliContext context, TrainSettings settings)
    {
        new TrainRun(context, settings).Execute();
        return 0;
    }
}
