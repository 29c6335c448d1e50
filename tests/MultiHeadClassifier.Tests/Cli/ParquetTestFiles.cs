using MultiHeadClassifier.Data;
using Parquet;
using Parquet.Schema;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>Writes small Parquet files for the CLI tests with Parquet.Net.</summary>
public static class ParquetTestFiles
{
    /// <summary>One column: its name and values (an array of a CLR type Parquet.Net maps, nullable elements for nulls).</summary>
    public sealed record Column(string Name, Array Values);

    /// <summary>Writes columns as row groups of at most <paramref name="rowGroupRows"/> rows.</summary>
    public static string Write(string path, IReadOnlyList<Column> columns, int rowGroupRows)
    {
        var fields = columns.Select(c => new DataField(c.Name, c.Values.GetType().GetElementType()!)).ToArray();
        int rows = columns[0].Values.Length;
        using var stream = File.Create(path);
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(fields), stream).GetAwaiter().GetResult();
        try
        {
            for (int start = 0; start < rows; start += rowGroupRows)
            {
                int count = Math.Min(rowGroupRows, rows - start);
                using var group = writer.CreateRowGroup();
                for (int c = 0; c < columns.Count; c++)
                {
                    WriteColumn(group, fields[c], columns[c].Values, start, count);
                }
            }
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return path;
    }

    /// <summary>The rows of a dataset as columns f0.. (float) and one column per head (int?, null for a missing label).</summary>
    public static List<Column> FromDataset(MultiHeadDataset data, IEnumerable<int> rows, IReadOnlyList<string> heads)
    {
        int[] picked = [.. rows];
        var columns = new List<Column>();
        for (int j = 0; j < data.FeatureCount; j++)
        {
            columns.Add(new Column($"f{j}", picked.Select(r => data.Features[(r * data.FeatureCount) + j]).ToArray()));
        }

        for (int h = 0; h < heads.Count; h++)
        {
            columns.Add(new Column(heads[h], picked.Select(r => data.Label(r, h) is var y && y >= 0 ? (int?)y : null).ToArray()));
        }

        return columns;
    }

    private static void WriteColumn(ParquetRowGroupWriter group, DataField field, Array values, int start, int count)
    {
        switch (values)
        {
            case float[] v: group.WriteAsync(field, new ReadOnlyMemory<float>(v, start, count)).GetAwaiter().GetResult(); break;
            case float?[] v: group.WriteAsync(field, new ReadOnlyMemory<float?>(v, start, count)).GetAwaiter().GetResult(); break;
            case double[] v: group.WriteAsync(field, new ReadOnlyMemory<double>(v, start, count)).GetAwaiter().GetResult(); break;
            case double?[] v: group.WriteAsync(field, new ReadOnlyMemory<double?>(v, start, count)).GetAwaiter().GetResult(); break;
            case int[] v: group.WriteAsync(field, new ReadOnlyMemory<int>(v, start, count)).GetAwaiter().GetResult(); break;
            case int?[] v: group.WriteAsync(field, new ReadOnlyMemory<int?>(v, start, count)).GetAwaiter().GetResult(); break;
            case long[] v: group.WriteAsync(field, new ReadOnlyMemory<long>(v, start, count)).GetAwaiter().GetResult(); break;
            case short[] v: group.WriteAsync(field, new ReadOnlyMemory<short>(v, start, count)).GetAwaiter().GetResult(); break;
            case string[] v: group.WriteAsync(field, v.Skip(start).Take(count).ToArray()).GetAwaiter().GetResult(); break;
            default: throw new ArgumentException($"unsupported column type {values.GetType()}");
        }
    }
}
