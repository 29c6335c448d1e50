using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// What <c>mhc train</c> reads from its CSV or Parquet files: the feature columns, the imputation means, the heads (with class
/// counts given or inferred), the training data and the validation data. The training file is streamed, never held
/// in memory: one pass checks it and caches its parsed rows (<see cref="TrainFileScan"/>), which are then converted,
/// without parsing the file again, to a temporary <see cref="MultiHeadDataFile"/> from which training streams
/// batches. The validation file is read into memory. Dispose the inputs to delete the temporary file.
/// </summary>
/// <param name="Features">The feature column names in model order: every training column not named in <c>--heads</c>.</param>
/// <param name="Means">Training means per feature for <c>--missing-features mean</c>, or null.</param>
/// <param name="Heads">The heads, in <c>--heads</c> order, with their class counts and weighting.</param>
/// <param name="Train">The training data, on disk.</param>
/// <param name="Valid">The validation data, or null.</param>
/// <param name="TrainName">The training file's name, for messages.</param>
/// <param name="ValidName">The validation file's name, or null.</param>
internal sealed record TrainInputs(
    string[] Features,
    IReadOnlyDictionary<string, double>? Means,
    HeadDefinition[] Heads,
    TrainDataFile Train,
    MultiHeadDataset? Valid,
    string TrainName,
    string? ValidName) : IDisposable
{
    /// <summary>Reads and checks the training and validation files.</summary>
    /// <param name="settings">The command's options.</param>
    /// <returns>The inputs.</returns>
    /// <exception cref="CliException">
    /// A file or a column is missing, a cell is bad, a label needs more classes than can be inferred, or a class
    /// weighting needs a class with no training rows; the message names the file, line, column and head.
    /// </exception>
    public static TrainInputs Load(TrainSettings settings)
    {
        string[] heads = settings.Heads;
        using var scan = TrainFileScan.Run(settings);
        var (features, means, classCounts) = (scan.Features, scan.Means, scan.ClassCounts);
        MultiHeadDataset? valid = null;
        string? validName = null;
        if (settings.Valid is not null)
        {
            (validName, valid) = ModelInputs.ReadDataset(settings.Valid, features, means, heads, classCounts, settings.Missing);
        }

        scan.RequireEveryClassSeen(settings.Weighting);
        var losses = OptionParsers.Losses(settings.Loss, heads);
        var definitions = heads.Select((h, i) => new HeadDefinition(h, classCounts[i], weighting: settings.Weighting, loss: losses[i])).ToArray();
        var train = scan.WriteDataFile();
        return new TrainInputs(features, means, definitions, train, valid, scan.FileName, validName);
    }

    /// <summary>Deletes the temporary training data file.</summary>
    public void Dispose() => Train.Dispose();
}
