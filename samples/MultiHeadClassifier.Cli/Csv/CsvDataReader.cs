using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using MultiHeadClassifier.Data;

namespace MultiHeadClassifier.Cli.Csv;

/// <summary>Reads CSV files into <see cref="CsvTable"/>s and turns them into features and labels.</summary>
/// <remarks>Numbers are parsed with the invariant culture. An empty label cell is a missing label (−1).</remarks>
public static class CsvDataReader
{
    /// <summary>Reads a whole CSV file with a header row.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The table.</returns>
    /// <exception cref="CliException">The file is missing, empty or has rows of the wrong width.</exception>
    public static CsvTable Read(string path)
    {
        string name = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: file not found.");
        }

        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = true, TrimOptions = TrimOptions.Trim, BadDataFound = null };
        using var reader = new StreamReader(path);
        using var parser = new CsvParser(reader, config);
        if (!parser.Read())
        {
            throw new CliException($"{name}: the file is empty; the first line must be a header.");
        }

        string[] header = parser.Record ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int c = 0; c < header.Length; c++)
        {
            if (header[c].Length == 0)
            {
                throw new CliException($"{name} line 1: column {c + 1} has an empty name.");
            }

            if (!seen.Add(header[c]))
            {
                throw new CliException($"{name} line 1: column '{header[c]}' appears more than once.");
            }
        }

        var rows = new List<string[]>();
        var lines = new List<int>();
        int line = 1;
        while (parser.Read())
        {
            line = parser.RawRow;
            string[] record = parser.Record ?? [];
            if (record.Length == 1 && record[0].Length == 0 && header.Length > 1)
            {
                continue;
            }

            if (record.Length != header.Length)
            {
                throw new CliException($"{name} line {line}: has {record.Length} cells, but the header has {header.Length} columns.");
            }

            rows.Add(record);
            lines.Add(line);
        }

        if (rows.Count == 0)
        {
            throw new CliException($"{name}: the file has a header but no data rows.");
        }

        return new CsvTable(name, header, rows, lines);
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
    /// <exception cref="CliException">A column is missing, or a cell is not a finite number (without imputation).</exception>
    public static float[,] Features(CsvTable table, IReadOnlyList<string> features, IReadOnlyDictionary<string, double>? means)
    {
        int[] columns = features.Select(f => table.IndexOf(f)).ToArray();
        for (int j = 0; j < columns.Length; j++)
        {
            if (columns[j] < 0)
            {
                throw new CliException($"{table.FileName}: feature column '{features[j]}' is missing from the header.");
            }
        }

        var result = new float[table.Rows.Count, features.Count];
        for (int r = 0; r < table.Rows.Count; r++)
        {
            for (int j = 0; j < columns.Length; j++)
            {
                string cell = table.Rows[r][columns[j]];
                if (TryParse(cell, out float value))
                {
                    result[r, j] = value;
                }
                else if (means is not null)
                {
                    result[r, j] = (float)means[features[j]];
                }
                else
                {
                    throw new CliException(cell.Length == 0
                        ? $"{table.Where(r, columns[j])}: the value is missing (use --missing-features mean to impute it)."
                        : $"{table.Where(r, columns[j])}: '{cell}' is not a number.");
                }
            }
        }

        return result;
    }

    /// <summary>Computes each feature column's mean over its numeric cells, for imputation.</summary>
    /// <param name="table">The training table.</param>
    /// <param name="features">The feature columns.</param>
    /// <returns>The mean per feature.</returns>
    /// <exception cref="CliException">A column has no numeric cell.</exception>
    public static Dictionary<string, double> Means(CsvTable table, IReadOnlyList<string> features)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string feature in features)
        {
            int c = table.IndexOf(feature);
            double sum = 0;
            long count = 0;
            foreach (string[] row in table.Rows)
            {
                if (TryParse(row[c], out float value))
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

                if (!int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) || label < 0)
                {
                    throw new CliException($"{table.Where(r, c)}, head '{heads[h]}': '{cell}' is not a class index (an integer 0..K-1, or empty for a missing label).");
                }

                if (classCounts is not null && label >= classCounts[h])
                {
                    throw new CliException($"{table.Where(r, c)}, head '{heads[h]}': label {label} is outside 0..{classCounts[h] - 1}.");
                }

                result[r, h] = label;
            }
        }

        return result;
    }

    private static bool TryParse(string cell, out float value) =>
        float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);
}
