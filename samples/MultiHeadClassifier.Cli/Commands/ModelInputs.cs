using Microsoft.Extensions.Logging;
using MultiHeadClassifier.Cli.Input;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// Shared steps of <c>evaluate</c>, <c>predict</c> and <c>export</c>: reading data (CSV or Parquet, by extension)
/// for a model and preparing a correction.
/// </summary>
public static class ModelInputs
{
    /// <summary>
    /// Rows that <c>evaluate</c> and <c>predict</c> read and score per chunk: a multiple of the model's forward-pass
    /// batch (2048 rows), so that every forward pass sees the rows it would see if the whole file were scored at once,
    /// and the output and metrics are byte for byte the same.
    /// </summary>
    public const int ChunkRows = 4 * 2048;

    /// <summary>Reads a whole file as the model's features (in the model's order), with labels if asked.</summary>
    /// <param name="model">The model directory (its features, imputation means and missing values).</param>
    /// <param name="path">The CSV or Parquet file.</param>
    /// <param name="withLabels">True to require and read one label column per head.</param>
    /// <returns>The file name (for messages) and the dataset.</returns>
    /// <exception cref="CliException">The file, a column or a cell is bad; the message names the file, line (or row),
    /// column and head.</exception>
    public static (string FileName, MultiHeadDataset Data) Read(ModelDirectory model, string path, bool withLabels)
    {
        ArgumentNullException.ThrowIfNull(model);
        string[]? heads = withLabels ? [.. model.Heads.Select(h => h.Name)] : null;
        int[]? classCounts = withLabels ? [.. model.Heads.Select(h => h.ClassCount)] : null;
        return ReadDataset(path, model.Features, model.Means, heads, classCounts, model.Missing);
    }

    /// <summary>
    /// Reads a whole file into memory as a dataset. A file with several errors reports, in this order: the file's
    /// structure first, then a missing feature column, then the first bad feature cell row by row,
    /// then a missing head column, then head by head the first label that is not a class index below its count.
    /// </summary>
    /// <param name="path">The CSV or Parquet file.</param>
    /// <param name="features">The feature columns in model order.</param>
    /// <param name="means">Imputation means, or null to make missing cells an error.</param>
    /// <param name="heads">The head columns, or null to read no labels.</param>
    /// <param name="classCounts">Each head's class count (with <paramref name="heads"/>).</param>
    /// <param name="missing">The CSV cells that mean "missing".</param>
    /// <returns>The file name and the dataset.</returns>
    /// <exception cref="CliException">The file, a column or a cell is bad.</exception>
    internal static (string FileName, MultiHeadDataset Data) ReadDataset(
        string path, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means, string[]? heads, int[]? classCounts, MissingValues missing)
    {
        using var input = TabularInput.Open(path, missing);
        int[] featureColumns = [.. features.Select(input.IndexOf)];
        int[] headColumns = heads is null ? [] : [.. heads.Select(input.IndexOf)];
        var blocks = new List<TabularBlock>();
        string? featureError = null;
        long rows = 0;
        foreach (var block in input.Blocks(featureColumns, headColumns))
        {
            blocks.Add(block);
            rows += block.RowCount;
            featureError ??= FirstFeatureError(block, featureColumns, means is not null);
        }

        RequireFeatures(input, featureColumns, features);
        if (featureError is not null)
        {
            throw new CliException(featureError);
        }

        float[] fill = means is null ? [] : [.. features.Select(f => (float)means[f])];
        var x = new float[rows, features.Count];
        long row = 0;
        foreach (var block in blocks)
        {
            for (int r = 0; r < block.RowCount; r++, row++)
            {
                var values = block.FeatureRow(r);
                for (int j = 0; j < values.Length; j++)
                {
                    x[row, j] = float.IsNaN(values[j]) ? fill[j] : values[j];
                }
            }
        }

        var y = heads is null ? null : Labels(input, blocks, rows, heads, headColumns, classCounts!);
        return (input.FileName, new MultiHeadDataset(x, y, heads));
    }

    /// <summary>The labels of every block, checked head by head, each head row by row.</summary>
    private static int[,] Labels(TabularInput input, List<TabularBlock> blocks, long rows, string[] heads, int[] headColumns, int[] classCounts)
    {
        RequireHeads(input, headColumns, heads);
        var y = new int[rows, heads.Length];
        for (int h = 0; h < heads.Length; h++)
        {
            long row = 0;
            foreach (var block in blocks)
            {
                for (int r = 0; r < block.RowCount; r++, row++)
                {
                    y[row, h] = CheckedLabel(block, r, h, heads[h], classCounts[h]);
                }
            }
        }

        return y;
    }

    /// <summary>
    /// Checks a file's features as <see cref="Read"/> would, without holding it: one streamed pass, giving the same
    /// error <see cref="Read"/> gives (the file's structure first, then a missing feature column, then the first bad
    /// feature cell, row by row).
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV or Parquet file.</param>
    /// <returns>The number of data rows.</returns>
    /// <exception cref="CliException">The file or a feature cell is bad.</exception>
    public static long CheckFeatures(ModelDirectory model, string path) => Check(model, path, withLabels: false);

    /// <summary>
    /// Checks a file as <see cref="Read"/> would, with labels if asked, without holding it: one streamed pass, giving
    /// the error <see cref="Read"/> gives for the whole file (its structure first, then a missing feature column, then
    /// the first bad feature cell row by row; then a missing head column, then head by head the first label that is
    /// not a class index below its head's class count).
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV or Parquet file.</param>
    /// <param name="withLabels">True to check one label column per head as well.</param>
    /// <returns>The number of data rows.</returns>
    /// <exception cref="CliException">The file, a feature cell or a label is bad.</exception>
    public static long Check(ModelDirectory model, string path, bool withLabels)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var input = TabularInput.Open(path, model.Missing);
        int[] columns = [.. model.Features.Select(input.IndexOf)];
        string[] heads = withLabels ? [.. model.Heads.Select(h => h.Name)] : [];
        int[] headColumns = [.. heads.Select(input.IndexOf)];
        var labelErrors = new CliException?[heads.Length];
        long rows = 0;
        string? firstError = null;
        foreach (var block in input.Blocks(columns, headColumns))
        {
            rows += block.RowCount;
            firstError ??= FirstFeatureError(block, columns, model.Means is not null);

            for (int h = 0; h < heads.Length; h++)
            {
                if (headColumns[h] >= 0 && labelErrors[h] is null)
                {
                    labelErrors[h] = FirstLabelError(block, h, heads[h], model.Heads[h].ClassCount);
                }
            }
        }

        RequireFeatures(input, columns, model.Features);
        if (firstError is not null)
        {
            throw new CliException(firstError);
        }

        RequireHeads(input, headColumns, heads);

        return labelErrors.FirstOrDefault(e => e is not null) is { } labelError ? throw labelError : rows;
    }

    /// <summary>The first error among a block's feature cells (columns −1 are absent and skipped), or null.</summary>
    private static string? FirstFeatureError(TabularBlock block, int[] columns, bool impute)
    {
        for (int r = 0; r < block.RowCount; r++)
        {
            for (int j = 0; j < columns.Length; j++)
            {
                if (columns[j] >= 0 && float.IsNaN(block.Features[(r * columns.Length) + j]) && block.FeatureError(r, j, impute) is { } error)
                {
                    return error;
                }
            }
        }

        return null;
    }

    /// <summary>The error for a block's first label in head <paramref name="h"/> that is not a class index below <paramref name="classCount"/>, or null.</summary>
    private static CliException? FirstLabelError(TabularBlock block, int h, string head, int classCount)
    {
        for (int r = 0; r < block.RowCount; r++)
        {
            if (LabelError(block, r, h, head, classCount) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>A label, or the error for it when it is not a class index below <paramref name="classCount"/>.</summary>
    private static int CheckedLabel(TabularBlock block, int r, int h, string head, int classCount) =>
        LabelError(block, r, h, head, classCount) is { } error ? throw error : block.LabelRow(r)[h];

    /// <summary>The error for a label that is not a class index below <paramref name="classCount"/>, or null.</summary>
    private static CliException? LabelError(TabularBlock block, int r, int h, string head, int classCount)
    {
        int label = block.LabelRow(r)[h];
        return label == TabularBlock.BadLabel ? new CliException(block.LabelError(r, h, head))
            : label >= classCount ? LabelMessages.OutOfRange(block.LabelWhere(r, h), head, label, classCount)
            : null;
    }

    /// <summary>Throws the error for the first feature column the file lacks (column −1).</summary>
    private static void RequireFeatures(TabularInput input, int[] columns, IReadOnlyList<string> features)
    {
        int absent = Array.IndexOf(columns, -1);
        if (absent >= 0)
        {
            throw input.MissingFeature(features[absent]);
        }
    }

    /// <summary>Throws the error for the first head column the file lacks (column −1).</summary>
    private static void RequireHeads(TabularInput input, int[] columns, IReadOnlyList<string> heads)
    {
        int absent = Array.IndexOf(columns, -1);
        if (absent >= 0)
        {
            throw input.MissingHead(heads[absent]);
        }
    }

    /// <summary>
    /// Streams a file's features in chunks of <paramref name="chunkRows"/> rows (the last may be shorter), in file
    /// order, each parsed as <see cref="Read"/> parses the whole file. Check the file with <see cref="CheckFeatures"/>
    /// first: a bad cell found here stops the stream with its error.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV or Parquet file.</param>
    /// <param name="chunkRows">Rows per chunk.</param>
    /// <returns>The chunks.</returns>
    public static IEnumerable<MultiHeadDataset> ReadChunks(ModelDirectory model, string path, int chunkRows) =>
        ReadChunks(model, path, chunkRows, withLabels: false);

    /// <summary>
    /// Streams a file in chunks of <paramref name="chunkRows"/> rows (the last may be shorter), in file order: the
    /// model's features and, with <paramref name="withLabels"/>, one label column per head (named by head, checked
    /// against the class counts). A bad cell stops the stream with its error, naming the file, line (or row), column
    /// and head; memory holds one chunk and one block of the file.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV or Parquet file.</param>
    /// <param name="chunkRows">Rows per chunk.</param>
    /// <param name="withLabels">True to require and read the head columns.</param>
    /// <returns>The chunks.</returns>
    /// <exception cref="CliException">A column is missing or a cell is bad.</exception>
    public static IEnumerable<MultiHeadDataset> ReadChunks(ModelDirectory model, string path, int chunkRows, bool withLabels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        string[]? heads = withLabels ? [.. model.Heads.Select(h => h.Name)] : null;
        int[] classCounts = [.. model.Heads.Select(h => h.ClassCount)];
        using var input = TabularInput.Open(path, model.Missing);
        int[] featureColumns = [.. model.Features.Select(input.IndexOf)];
        int[] headColumns = heads is null ? [] : [.. heads.Select(input.IndexOf)];
        RequireFeatures(input, featureColumns, model.Features);
        RequireHeads(input, headColumns, heads ?? []);

        float[] fill = model.Means is { } means ? [.. model.Features.Select(f => (float)means[f])] : [];
        int featureCount = featureColumns.Length;
        var x = new float[chunkRows, featureCount];
        var y = heads is null ? null : new int[chunkRows, heads.Length];
        int filled = 0;
        foreach (var block in input.Blocks(featureColumns, headColumns))
        {
            for (int r = 0; r < block.RowCount; r++)
            {
                var values = block.FeatureRow(r);
                for (int j = 0; j < featureCount; j++)
                {
                    float value = values[j];
                    if (float.IsNaN(value))
                    {
                        value = block.FeatureError(r, j, fill.Length > 0) is { } error ? throw new CliException(error) : fill[j];
                    }

                    x[filled, j] = value;
                }

                for (int h = 0; y is not null && h < heads!.Length; h++)
                {
                    y[filled, h] = CheckedLabel(block, r, h, heads[h], classCounts[h]);
                }

                if (++filled == chunkRows)
                {
                    yield return new MultiHeadDataset(x, y, heads);
                    (x, y, filled) = (new float[chunkRows, featureCount], y is null ? null : new int[chunkRows, heads!.Length], 0);
                }
            }
        }

        if (filled > 0)
        {
            yield return new MultiHeadDataset(Head(x, filled), y is null ? null : Head(y, filled), heads);
        }
    }

    /// <summary>
    /// Makes a correction usable: for temperature correction, fits temperatures on the held-out data when given,
    /// otherwise uses the model's stored temperatures if they were fitted on the same basis.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="correction">The correction.</param>
    /// <param name="correctionDataPath">The held-out CSV or Parquet file for temperatures, or null.</param>
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
    /// <param name="correctionDataPath">The held-out CSV or Parquet file (<c>--correction-data</c>), or null.</param>
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

    /// <summary>The first <paramref name="rows"/> rows of a matrix.</summary>
    private static T[,] Head<T>(T[,] matrix, int rows)
    {
        var result = new T[rows, matrix.GetLength(1)];
        Array.Copy(matrix, result, rows * matrix.GetLength(1));
        return result;
    }
}
