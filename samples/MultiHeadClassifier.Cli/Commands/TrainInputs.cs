using System.Globalization;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// What <c>mhc train</c> reads from its CSV files, each read and parsed once: the feature columns, the imputation
/// means, the heads (with class counts given or inferred), the training data and the validation data. Once every
/// check has passed, the training rows are converted to a temporary <see cref="MultiHeadDataFile"/>, which training
/// streams in chunks; the parsed table is then no longer referenced. Dispose the inputs to delete that file.
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
        var table = CsvDataReader.Read(settings.Train);
        CsvDataReader.RequireColumns(table, heads);
        string[] features = table.Header.Where(c => !heads.Contains(c, StringComparer.Ordinal)).ToArray();
        if (features.Length == 0)
        {
            throw new CliException($"{table.FileName}: no feature columns (every column is listed in --heads).");
        }

        var means = settings.ImputeMeans ? CsvDataReader.Means(table, features) : null;
        var (labels, classCounts) = ReadLabels(table, heads, OptionParsers.Classes(settings.Classes, heads));
        var trainFeatures = CsvDataReader.Features(table, features, means);
        MultiHeadDataset? valid = null;
        string? validName = null;
        if (settings.Valid is not null)
        {
            var validTable = CsvDataReader.Read(settings.Valid);
            validName = validTable.FileName;
            valid = new MultiHeadDataset(CsvDataReader.Features(validTable, features, means), CsvDataReader.Labels(validTable, heads, classCounts), heads);
        }

        RequireEveryClassSeen(table.FileName, heads, classCounts, labels, settings.Weighting);
        var losses = OptionParsers.Losses(settings.Loss, heads);
        var definitions = heads.Select((h, i) => new HeadDefinition(h, classCounts[i], weighting: settings.Weighting, loss: losses[i])).ToArray();
        var train = TrainDataFile.Write(trainFeatures, labels, heads, classCounts);
        return new TrainInputs(features, means, definitions, train, valid, table.FileName, validName);
    }

    /// <summary>Deletes the temporary training data file.</summary>
    public void Dispose() => Train.Dispose();

    /// <summary>
    /// Parses the training labels once, and gives each head its class count: the one given, or max label + 1.
    /// Labels are checked against given counts while parsing when every head has one, and afterwards otherwise.
    /// </summary>
    private static (int[,] Labels, int[] ClassCounts) ReadLabels(CsvTable table, string[] heads, int?[] given)
    {
        bool allGiven = given.All(k => k is not null);
        var labels = CsvDataReader.Labels(table, heads, allGiven ? given.Select(k => k!.Value).ToArray() : null);
        int[] classCounts = heads.Select((_, h) => given[h] ?? InferClassCount(table, heads, h, labels)).ToArray();
        if (!allGiven)
        {
            CsvDataReader.RequireLabelsBelow(table, heads, labels, classCounts);
        }

        return (labels, classCounts);
    }

    /// <summary>Max label + 1 of head <paramref name="h"/>, between 2 and <see cref="TrainCommand.MaxInferredClassCount"/>.</summary>
    private static int InferClassCount(CsvTable table, string[] heads, int h, int[,] labels)
    {
        int max = -1;
        for (int r = 0; r < labels.GetLength(0); r++)
        {
            max = Math.Max(max, labels[r, h]);
        }

        if (max >= TrainCommand.MaxInferredClassCount)
        {
            int row = Enumerable.Range(0, labels.GetLength(0)).First(r => labels[r, h] == max);
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{table.Where(row, table.IndexOf(heads[h]))}, head '{heads[h]}': label {max} would mean {max + 1L} classes, more than the {TrainCommand.MaxInferredClassCount} inferred without --classes; if the head really has that many classes, give --classes."));
        }

        if (max < 1)
        {
            throw new CliException($"{table.FileName}, head '{heads[h]}': the training labels show {max + 1} class(es); a head needs at least 2 (give --classes).");
        }

        return max + 1;
    }

    /// <summary>Class weights computed from counts are undefined for a class with no training rows.</summary>
    private static void RequireEveryClassSeen(string fileName, string[] heads, int[] classCounts, int[,] labels, ClassWeighting weighting)
    {
        if (!weighting.NeedsCounts)
        {
            return;
        }

        for (int h = 0; h < heads.Length; h++)
        {
            var seen = new bool[classCounts[h]];
            for (int r = 0; r < labels.GetLength(0); r++)
            {
                if (labels[r, h] >= 0)
                {
                    seen[labels[r, h]] = true;
                }
            }

            int missing = Array.IndexOf(seen, false);
            if (missing >= 0)
            {
                throw new CliException($"{fileName}, head '{heads[h]}': class {missing} of 0..{classCounts[h] - 1} has no training rows, so '{weighting.Name}' class weights are undefined; use --class-weights none or a smaller --classes.");
            }
        }
    }
}
