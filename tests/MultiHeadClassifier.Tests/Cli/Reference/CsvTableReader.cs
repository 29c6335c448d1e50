using System.Globalization;
using System.Text;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Cli.Input;
using MultiHeadClassifier.Data;

namespace MultiHeadClassifier.Tests.Cli.Reference;

/// <summary>
/// A reference for the tests: reads whole CSV files into <see cref="CsvTable"/>s of text cells and turns them into
/// features and labels, one rule after another, in memory.
/// </summary>
/// <remarks>
/// The <c>mhc</c> commands stream their files through <see cref="TabularInput"/> block by block; this whole-table
/// reader, built on the same <see cref="CsvRecordSource"/> and the same messages, keeps the rules in one readable
/// place and is what the fuzz tests check the streamed reader against. Numbers are parsed with the invariant culture as 32-bit floats. An empty label cell is a
/// missing label (−1). A feature cell that is one of the default missing values (an empty cell, <c>NA</c>,
/// <c>NaN</c>) is missing: an error, or imputed when means are given; any other cell that is not a number is an
/// error either way. A number outside the float range (such as <c>1e400</c>, <c>-1e309</c> or <c>Infinity</c>) is
/// always an error, never imputed. Line numbers in messages are the file's lines (blank lines count) on which a
/// record starts.
/// </remarks>
internal static class CsvTableReader
{
    /// <summary>Reads a whole CSV file with a header row.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The table.</returns>
    /// <exception cref="CliException">
    /// The file is missing or empty, has rows of the wrong width, or has a quoted cell that is never closed or is
    /// followed by more text.
    /// </exception>
    public static CsvTable Read(string path)
    {
        using var source = CsvRecordSource.Open(path);
        var rows = new List<string[]>();
        var lines = new List<int>();
        while (source.Next())
        {
            var record = new string[source.Header.Length];
            for (int c = 0; c < record.Length; c++)
            {
                record[c] = source.Text(c);
            }

            rows.Add(record);
            lines.Add(source.Line);
        }

        return new CsvTable(source.FileName, source.Header, rows, lines);
    }

    /// <summary>Checks that every named head column exists.</summary>
    /// <param name="table">The table.</param>
    /// <param name="heads">The head names.</param>
    /// <exception cref="CliException">A head column is missing.</exception>
    public static void RequireColumns(CsvTable table, IEnumerable<string> heads)
    {
        foreach (string head in heads)
        {
            if (table.IndexOf(head) < 0)
            {
                throw new CliException($"{table.FileName}: head '{head}' has no column in the header (columns: {string.Join(", ", table.Header)}).");
            }
        }
    }

    /// <summary>Parses the feature columns, in the given order.</summary>
    /// <param name="table">The table.</param>
    /// <param name="features">The feature column names, in model order.</param>
    /// <param name="means">Imputation means per feature, or null to make missing and non-numeric cells an error.</param>
    /// <returns>Rows × features.</returns>
    /// <exception cref="CliException">
    /// A column is missing, a cell is outside the float range, or a cell is empty or not a number (without imputation).
    /// </exception>
    public static float[,] Features(CsvTable table, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means)
    {
        int[] columns = features.Select(f => table.IndexOf(f)).ToArray();
        for (int j = 0; j < columns.Length; j++)
        {
            if (columns[j] < 0)
            {
                throw new CliException($"{table.FileName}: feature column {MessageText.Quote(features[j])} is missing from the header.");
            }
        }

        var result = new float[table.Rows.Count, features.Count];
        for (int r = 0; r < table.Rows.Count; r++)
        {
            for (int j = 0; j < columns.Length; j++)
            {
                string cell = table.Rows[r][columns[j]];
                if (Parse(cell, out float value) == CellKind.Number)
                {
                    result[r, j] = value;
                }
                else if (FeatureCellError(cell, means is not null, () => table.Where(r, columns[j])) is { } error)
                {
                    throw new CliException(error);
                }
                else
                {
                    result[r, j] = (float)means![features[j]];
                }
            }
        }

        return result;
    }

    /// <summary>The error <see cref="Features"/> gives for a feature cell, or null when the cell is a number or is imputed.</summary>
    /// <param name="cell">The cell's text.</param>
    /// <param name="impute">Whether missing cells (<see cref="MissingValues.Default"/> tokens) are imputed; any other cell that is not a
    /// number is an error either way, so that a typo never becomes the mean.</param>
    /// <param name="where">The cell's location for the message.</param>
    /// <returns>The message, or null.</returns>
    private static string? FeatureCellError(string cell, bool impute, Func<string> where) =>
        MissingValues.Default.FeatureCellError(Parse(cell, out _), cell, impute, where);

    /// <summary>Computes each feature column's mean over its numeric cells, for imputation.</summary>
    /// <param name="table">The training table.</param>
    /// <param name="features">The feature columns.</param>
    /// <returns>The mean per feature.</returns>
    /// <exception cref="CliException">A column is missing or has no numeric cell.</exception>
    public static Dictionary<string, double> Means(CsvTable table, IReadOnlyList<string> features)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string feature in features)
        {
            int c = table.IndexOf(feature);
            if (c < 0)
            {
                throw new CliException($"{table.FileName}: feature column {MessageText.Quote(feature)} is missing from the header.");
            }

            double sum = 0;
            long count = 0;
            foreach (string[] row in table.Rows)
            {
                if (Parse(row[c], out float value) == CellKind.Number)
                {
                    sum += value;
                    count++;
                }
            }

            if (count == 0)
            {
                throw new CliException($"{table.FileName}: feature column '{feature}' has no numeric value, so its mean cannot be imputed.");
            }

            result[feature] = sum / count;
        }

        return result;
    }

    /// <summary>Parses the head columns' labels; an empty cell is <see cref="MultiHeadDataset.MissingLabel"/>.</summary>
    /// <param name="table">The table.</param>
    /// <param name="heads">The head names, in model order.</param>
    /// <param name="classCounts">Each head's class count to check labels against, or null to accept any non-negative label.</param>
    /// <returns>Rows × heads.</returns>
    /// <exception cref="CliException">A head column is missing or a label is not an integer in range.</exception>
    public static int[,] Labels(CsvTable table, IReadOnlyList<string> heads, IReadOnlyList<int>? classCounts)
    {
        RequireColumns(table, heads);
        var result = new int[table.Rows.Count, heads.Count];
        for (int h = 0; h < heads.Count; h++)
        {
            int c = table.IndexOf(heads[h]);
            for (int r = 0; r < table.Rows.Count; r++)
            {
                string cell = table.Rows[r][c];
                if (cell.Length == 0)
                {
                    result[r, h] = MultiHeadDataset.MissingLabel;
                    continue;
                }

                if (LabelCellError(cell, heads[h], classCounts?[h], () => table.Where(r, c), out int label) is { } error)
                {
                    throw error;
                }

                result[r, h] = label;
            }
        }

        return result;
    }

    /// <summary>
    /// Checks labels that <see cref="Labels"/> parsed without class counts against counts known only afterwards,
    /// head by head and row by row, failing with the message <see cref="Labels"/> gives.
    /// </summary>
    /// <param name="table">The table the labels were parsed from.</param>
    /// <param name="heads">The head names, in model order.</param>
    /// <param name="labels">Rows × heads, as <see cref="Labels"/> returned them.</param>
    /// <param name="classCounts">Each head's class count.</param>
    /// <exception cref="CliException">A label is not below its head's class count; the message names the first such cell.</exception>
    public static void RequireLabelsBelow(CsvTable table, IReadOnlyList<string> heads, int[,] labels, IReadOnlyList<int> classCounts)
    {
        for (int h = 0; h < heads.Count; h++)
        {
            int c = table.IndexOf(heads[h]);
            for (int r = 0; r < labels.GetLength(0); r++)
            {
                if (labels[r, h] >= classCounts[h])
                {
                    throw LabelOutOfRange(table, r, c, heads[h], labels[r, h], classCounts[h]);
                }
            }
        }
    }

    private static CliException LabelOutOfRange(CsvTable table, int row, int column, string head, int label, int classCount) =>
        LabelMessages.OutOfRange(table.Where(row, column), head, label, classCount);

    /// <summary>The error <see cref="Labels"/> gives for a non-empty label cell, or null when the cell is a class index.</summary>
    /// <param name="cell">The cell's text (not empty).</param>
    /// <param name="head">The head's name.</param>
    /// <param name="classCount">The head's class count, or null to accept any non-negative label.</param>
    /// <param name="where">The cell's location for the message.</param>
    /// <param name="label">The label when the cell is valid.</param>
    /// <returns>The error, or null.</returns>
    private static CliException? LabelCellError(string cell, string head, int? classCount, Func<string> where, out int label)
    {
        if (!int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out label) || label < 0)
        {
            return new CliException(LabelMessages.NotAClassIndex(where(), head, cell));
        }

        return classCount is int k && label >= k ? LabelMessages.OutOfRange(where(), head, label, k) : null;
    }

    /// <summary>Classifies a feature cell: a finite float, one of <see cref="MissingValues.Default"/> tokens, out of float range, or not a number.</summary>
    /// <param name="cell">The cell's text.</param>
    /// <param name="value">The value when the cell is a number.</param>
    /// <returns>The kind of cell.</returns>
    private static CellKind Parse(string cell, out float value) => MissingValues.Default.Classify(Encoding.UTF8.GetBytes(cell), out value);
}
