using System.Globalization;
using MultiHeadClassifier.Cli.Input;
using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>The options of one <c>mhc train</c> command line, parsed.</summary>
/// <param name="Train">The training file, CSV or Parquet (<c>--train</c>).</param>
/// <param name="Valid">The validation file, CSV or Parquet (<c>--valid</c>), or null.</param>
/// <param name="Heads">The head (label) column names (<c>--heads</c>), in model order.</param>
/// <param name="Out">The output directory (<c>--out</c>).</param>
/// <param name="Classes">The <c>--classes</c> text (<c>K</c> or <c>h1=K1,h2=K2</c>), or null to infer every class count from the training labels.</param>
/// <param name="Epochs">Epochs to train in all (<c>--epochs</c>), counting those a resumed checkpoint already holds.</param>
/// <param name="BatchSize">Rows per step (<c>--batch-size</c>).</param>
/// <param name="LearningRate">Adam's learning rate (<c>--lr</c>).</param>
/// <param name="Hidden">Hidden layer widths (<c>--hidden</c>).</param>
/// <param name="Dropout">Dropout after each hidden layer (<c>--dropout</c>).</param>
/// <param name="Weighting">Class weighting of every head (<c>--class-weights</c>).</param>
/// <param name="Seed">The seed (<c>--seed</c>), or null for a random one (or the checkpoint's, on resume).</param>
/// <param name="ImputeMeans">True for <c>--missing-features mean</c>; false to reject missing feature cells.</param>
/// <param name="EarlyStopping">Early-stopping patience in epochs (<c>--early-stopping</c>), or null.</param>
/// <param name="CheckpointEvery">Save a checkpoint every this many epochs (<c>--checkpoint-every</c>), or null.</param>
/// <param name="Resume">True for <c>--resume</c>: continue the checkpointed run in <paramref name="Out"/>.</param>
/// <param name="Ensemble">The <c>--ensemble</c> member count: 1 for a single model.</param>
/// <param name="Monitor">The <c>--monitor</c> name: loss, nll, balanced_accuracy, macro_f1, qwk or mae.</param>
/// <param name="NaValues">The <c>--na-values</c> set, or null for the default (an empty cell, NA, NaN).</param>
/// <param name="Loss">The <c>--loss</c> text (<c>ce</c>, <c>corn</c>, <c>coral</c>, or <c>h1=corn,h2=ce</c>), or null for cross-entropy everywhere.</param>
internal sealed record TrainSettings(
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
    bool Resume,
    string? Loss = null,
    string Monitor = "loss",
    int Ensemble = 1,
    MissingValues? NaValues = null)
{
    /// <summary>The CSV feature cells read as missing.</summary>
    public MissingValues Missing => NaValues ?? MissingValues.Default;

    /// <summary>The training checkpoint in <see cref="Out"/>, written by <c>--checkpoint-every</c> and read by <c>--resume</c>.</summary>
    public string CheckpointPath => Path.Combine(Out, ModelDirectory.CheckpointFile);

    /// <summary>The checkpointed run's description (<c>checkpoint.json</c>) in <see cref="Out"/>.</summary>
    public string CheckpointRunPath => Path.Combine(Out, ModelDirectory.CheckpointRunFile);

    /// <summary>The options a resumed run must share with the original that the checkpoint does not record, by option name.</summary>
    /// <returns>Option name → canonical value text.</returns>
    public Dictionary<string, string> ResumeOptions() => new(StringComparer.Ordinal)
    {
        ["--batch-size"] = BatchSize.ToString(CultureInfo.InvariantCulture),
        ["--lr"] = LearningRate.ToString("R", CultureInfo.InvariantCulture),
        ["--early-stopping"] = EarlyStopping?.ToString(CultureInfo.InvariantCulture) ?? "(none)",
        ["--missing-features"] = ImputeMeans ? "mean" : "error",
        ["--monitor"] = Monitor,
    };

    /// <summary>The options a resumed run must share with the original, with <c>--na-values</c> when it is not the default.</summary>
    /// <returns>Option name → canonical value text.</returns>
    public Dictionary<string, string> ResumeOptionsWithMissing()
    {
        var options = ResumeOptions();
        if (!Missing.IsDefault)
        {
            options["--na-values"] = Missing.ToOptionText();
        }

        return options;
    }
}
