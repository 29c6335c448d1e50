using Microsoft.Extensions.Logging;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>Shared steps of <c>evaluate</c> and <c>predict</c>: reading data for a model and preparing a correction.</summary>
public static class ModelInputs
{
    /// <summary>Reads a CSV file as the model's features (in the model's order), with labels if asked.</summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="withLabels">True to require and read one label column per head.</param>
    /// <returns>The table and the dataset.</returns>
    public static (CsvTable Table, MultiHeadDataset Data) Read(ModelDirectory model, string path, bool withLabels)
    {
        var table = CsvDataReader.Read(path);
        var features = CsvDataReader.Features(table, model.Features, model.Means);
        var labels = withLabels
            ? CsvDataReader.Labels(table, model.Heads.Select(h => h.Name).ToArray(), model.Heads.Select(h => h.ClassCount).ToArray())
            : null;
        return (table, new MultiHeadDataset(features, labels, labels is null ? null : model.Heads.Select(h => h.Name).ToArray()));
    }

    /// <summary>
    /// Checks a CSV file's features as <see cref="Read"/> would, without holding it: one streamed pass, giving the same
    /// error <see cref="Read"/> gives (the file's structure first, then a missing feature column, then the first bad
    /// feature cell, row by row).
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV file.</param>
    /// <returns>The number of data rows.</returns>
    /// <exception cref="CliException">The file or a feature cell is bad.</exception>
    public static long CheckFeatures(ModelDirectory model, string path) => Check(model, path, withLabels: false);

    /// <summary>
    /// Checks a CSV file as <see cref="Read"/> would, with labels if asked, without holding it: one streamed pass,
    /// giving the error <see cref="Read"/> gives for the whole file (its structure first, then a missing feature
    /// column, then the first bad feature cell row by row; then a missing head column, then the first bad label of
    /// the first head that has one, head by head as <see cref="CsvDataReader.Labels"/> reads them).
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="withLabels">True to check one label column per head as well.</param>
    /// <returns>The number of data rows.</returns>
    /// <exception cref="CliException">The file, a feature cell or a label is bad.</exception>
    public static long Check(ModelDirectory model, string path, bool withLabels)
    {
        using var csv = CsvRecordStream.Open(path);
        int[] columns = [.. model.Features.Select(csv.IndexOf)];
        int[] labelColumns = withLabels ? [.. model.Heads.Select(h => csv.IndexOf(h.Name))] : [];
        var labelErrors = new CliException?[labelColumns.Length];
        long rows = 0;
        string? firstError = null;
        foreach (var (row, line) in csv.Rows())
        {
            rows++;
            for (int j = 0; j < columns.Length && firstError is null; j++)
            {
                if (columns[j] >= 0)
                {
                    firstError = CsvDataReader.FeatureCellError(row[columns[j]], model.Means is not null, () => csv.Where(line, columns[j]));
                }
            }

            for (int h = 0; h < labelColumns.Length; h++)
            {
                int c = labelColumns[h];
                if (c >= 0 && labelErrors[h] is null && row[c].Length > 0)
                {
                    labelErrors[h] = CsvDataReader.LabelCellError(row[c], model.Heads[h].Name, model.Heads[h].ClassCount, () => csv.Where(line, c), out _);
                }
            }
        }

        int missing = Array.IndexOf(columns, -1);
        if (missing >= 0)
        {
            throw new CliException($"{csv.FileName}: feature column {MessageText.Quote(model.Features[missing])} is missing from the header.");
        }

        if (firstError is not null)
        {
            throw new CliException(firstError);
        }

        int missingHead = Array.IndexOf(labelColumns, -1);
        if (missingHead >= 0)
        {
            throw new CliException($"{csv.FileName}: head '{model.Heads[missingHead].Name}' has no column in the header (columns: {string.Join(", ", csv.Header)}).");
        }

        return labelErrors.FirstOrDefault(e => e is not null) is { } labelError ? throw labelError : rows;
    }

    /// <summary>
    /// Streams a CSV file's features in chunks of <paramref name="chunkRows"/> rows, in file order, each parsed as
    /// <see cref="Read"/> parses the whole file. Check the file with <see cref="CheckFeatures"/> first.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="chunkRows">Rows per chunk.</param>
    /// <returns>The chunks.</returns>
    public static IEnumerable<MultiHeadDataset> ReadChunks(ModelDirectory model, string path, int chunkRows) =>
        ReadChunks(model, path, chunkRows, withLabels: false);

    /// <summary>
    /// Streams a CSV file in chunks of <paramref name="chunkRows"/> rows, in file order: the features, and with
    /// <paramref name="withLabels"/> one label column per head (named after the heads), each chunk parsed as
    /// <see cref="Read"/> parses the whole file. Check the file with <see cref="Check"/> first, so that the first error
    /// is the whole file's first.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="chunkRows">Rows per chunk.</param>
    /// <param name="withLabels">True to read one label column per head.</param>
    /// <returns>The chunks.</returns>
    public static IEnumerable<MultiHeadDataset> ReadChunks(ModelDirectory model, string path, int chunkRows, bool withLabels)
    {
        using var csv = CsvRecordStream.Open(path);
        var rows = new List<string[]>(chunkRows);
        var lines = new List<int>(chunkRows);
        string[] heads = [.. model.Heads.Select(h => h.Name)];
        int[] classCounts = [.. model.Heads.Select(h => h.ClassCount)];
        foreach (var (row, line) in csv.Rows())
        {
            rows.Add(row);
            lines.Add(line);
            if (rows.Count == chunkRows)
            {
                yield return Chunk();
            }
        }

        if (rows.Count > 0)
        {
            yield return Chunk();
        }

        MultiHeadDataset Chunk()
        {
            var table = new CsvTable(csv.FileName, csv.Header, [.. rows], [.. lines]);
            rows.Clear();
            lines.Clear();
            var features = CsvDataReader.Features(table, model.Features, model.Means);
            return withLabels
                ? new MultiHeadDataset(features, CsvDataReader.Labels(table, heads, classCounts), heads)
                : new MultiHeadDataset(features);
        }
    }

    /// <summary>
    /// Makes a correction usable: for temperature correction, fits temperatures on the held-out data when given,
    /// otherwise uses the model's stored temperatures if they were fitted on the same basis.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="correction">The correction.</param>
    /// <param name="correctionDataPath">The held-out CSV for temperatures, or null.</param>
    /// <param name="logger">Receives the fit's warnings (a temperature at a search bound, a head without held-out labels); null for none.</param>
    /// <exception cref="CliException">Temperatures are needed but neither given nor stored.</exception>
    public static void PrepareCorrection(ModelDirectory model, LogitCorrection correction, string? correctionDataPath, ILogger? logger = null)
    {
        if (!correction.HasFlag(LogitCorrection.Temperature))
        {
            return;
        }

        bool afterPrior = correction.HasFlag(LogitCorrection.Prior);
        if (correctionDataPath is not null)
        {
            var (_, heldOut) = Read(model, correctionDataPath, withLabels: true);
            model.FitTemperatures(heldOut, afterPrior, logger);
            return;
        }

        if (model.Temperatures?.AfterPriorCorrection != afterPrior)
        {
            throw new CliException($"--correction {(afterPrior ? "prior+temperature" : "temperature")} needs --correction-data (the model stores no temperatures fitted on {(afterPrior ? "prior-corrected" : "raw")} logits).");
        }
    }

    /// <summary>
    /// Makes a decision rule usable: <c>thresholds</c> fits its cut points on the held-out data (after the
    /// correction is prepared, with the same correction); other rules are returned as they are.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="rule">The parsed <c>--decision</c>.</param>
    /// <param name="correction">The correction the decisions are made after.</param>
    /// <param name="correctionDataPath">The held-out CSV (<c>--correction-data</c>), or null.</param>
    /// <returns>The rule to decide with.</returns>
    /// <exception cref="CliException">The rule needs held-out data and none was given.</exception>
    public static DecisionRule PrepareDecision(ModelDirectory model, DecisionRule rule, LogitCorrection correction, string? correctionDataPath)
    {
        if (!rule.NeedsFitting)
        {
            return rule;
        }

        if (correctionDataPath is null)
        {
            throw new CliException($"--decision {rule.Name} needs --correction-data: held-out labelled rows to fit its cut points on.");
        }

        var (_, heldOut) = Read(model, correctionDataPath, withLabels: true);
        return model.FitThresholds(heldOut, correction);
    }
}
