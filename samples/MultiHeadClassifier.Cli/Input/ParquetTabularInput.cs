using System.Globalization;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Data;
using Parquet;
using Parquet.Meta.Proto;
using Parquet.Schema;

namespace MultiHeadClassifier.Cli.Input;

/// <summary>
/// A Parquet file as a <see cref="TabularInput"/>, read with Parquet.Net one row group at a time (one block per row
/// group, so memory holds one row group's selected columns). The header is the schema's top-level column names.
/// Feature columns may hold float, double or integer values and label columns integer values; a null is a missing
/// value (a missing label in a label column), and so is a NaN in a floating-point feature column. Rows are located by
/// their 1-based data row and their row group (numbered from 0, as Parquet tools do).
/// </summary>
internal sealed class ParquetTabularInput : TabularInput
{
    private static readonly Type[] IntegerTypes = [typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong)];

    private readonly ParquetReader _reader;
    private readonly Field[] _fields;
    private bool _started;

    private ParquetTabularInput(string fileName, ParquetReader reader, Field[] fields, MissingValues missing)
        : base(fileName, [.. fields.Select(f => f.Name)], missing)
    {
        _reader = reader;
        _fields = fields;
    }

    /// <inheritdoc />
    public override string MissingLabel => "null";

    /// <summary>Opens a Parquet file and reads its schema.</summary>
    /// <param name="path">The file.</param>
    /// <param name="missing">The CSV missing values (kept for messages; Parquet's missing values are its nulls).</param>
    /// <returns>The input.</returns>
    /// <exception cref="CliException">The file is missing or is not a Parquet file.</exception>
    public static ParquetTabularInput Create(string path, MissingValues missing)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: file not found.");
        }

        string name = Path.GetFileName(path);
        ParquetReader reader;
        try
        {
            reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
        }
        catch (Exception e) when (IsReadError(e))
        {
            throw new CliException($"{name}: not a readable Parquet file ({MessageText.Quote(e.Message)}).", e);
        }

        return new ParquetTabularInput(name, reader, [.. reader.Schema.Fields], missing);
    }

    /// <inheritdoc />
    public override IEnumerable<TabularBlock> Blocks(int[] featureColumns, int[] labelColumns, int blockRows = DefaultBlockRows)
    {
        if (_started)
        {
            throw new InvalidOperationException("A tabular input is read once.");
        }

        _started = true;
        var features = featureColumns.Select(c => c < 0 ? null : Field(c, label: false)).ToArray();
        var labels = labelColumns.Select(c => c < 0 ? null : Field(c, label: true)).ToArray();
        return Read(featureColumns, labelColumns, features, labels);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// True for what Parquet.Net throws on a damaged or unsupported file (including its Thrift decoder's
    /// <see cref="ThriftProtocolException"/>), as opposed to a bug in this reader.
    /// </summary>
    private static bool IsReadError(Exception e) =>
        e is IOException or InvalidDataException or ParquetException or ThriftProtocolException or NotSupportedException
            or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException;

    private static bool IsFloating(Type type) => type == typeof(float) || type == typeof(double);

    private static string TypeName(Type type) => type.Name switch
    {
        "Single" => "float",
        "Double" => "double",
        "SByte" => "int8",
        "Byte" => "uint8",
        "Int16" => "int16",
        "UInt16" => "uint16",
        "Int32" => "int32",
        "UInt32" => "uint32",
        "Int64" => "int64",
        "UInt64" => "uint64",
        "String" or "ReadOnlyMemory`1" => "string",
        "Byte[]" => "binary",
        "Boolean" => "boolean",
        var other => other,
    };

    /// <summary>Reads one column of a row group as doubles; null for a null.</summary>
    private static double?[] ReadColumn(ParquetRowGroupReader group, DataField field, int rows) => field.ClrType switch
    {
        var t when t == typeof(float) => Read<float>(group, field, rows, v => v),
        var t when t == typeof(double) => Read<double>(group, field, rows, v => v),
        var t when t == typeof(sbyte) => Read<sbyte>(group, field, rows, v => v),
        var t when t == typeof(byte) => Read<byte>(group, field, rows, v => v),
        var t when t == typeof(short) => Read<short>(group, field, rows, v => v),
        var t when t == typeof(ushort) => Read<ushort>(group, field, rows, v => v),
        var t when t == typeof(int) => Read<int>(group, field, rows, v => v),
        var t when t == typeof(uint) => Read<uint>(group, field, rows, v => v),
        var t when t == typeof(long) => Read<long>(group, field, rows, v => v),
        _ => Read<ulong>(group, field, rows, v => v),
    };

    private static double?[] Read<T>(ParquetRowGroupReader group, DataField field, int rows, Func<T, double> widen)
        where T : struct
    {
        var result = new double?[rows];
        if (field.IsNullable)
        {
            var values = new T?[rows];
            group.ReadAsync(field, values.AsMemory()).GetAwaiter().GetResult();
            for (int i = 0; i < rows; i++)
            {
                result[i] = values[i] is { } v ? widen(v) : null;
            }
        }
        else
        {
            var values = new T[rows];
            group.ReadAsync(field, values.AsMemory()).GetAwaiter().GetResult();
            for (int i = 0; i < rows; i++)
            {
                result[i] = widen(values[i]);
            }
        }

        return result;
    }

    /// <summary>The data field of a column, checked to be a plain column of a type the CLI reads.</summary>
    private DataField Field(int column, bool label)
    {
        string what = label ? "label" : "feature";
        if (_fields[column] is not DataField field || field.IsArray)
        {
            throw new CliException($"{FileName}: column {MessageText.Quote(Header[column])} is a nested or repeated column; a {what} column must hold one value per row.");
        }

        bool integer = IntegerTypes.Contains(field.ClrType);
        if (label ? !integer : !(integer || IsFloating(field.ClrType)))
        {
            throw new CliException($"{FileName}: column {MessageText.Quote(Header[column])} holds {TypeName(field.ClrType)} values; a {what} column must hold {(label ? "integers (class indices)" : "numbers (float, double or an integer type)")}.");
        }

        return field;
    }

    private IEnumerable<TabularBlock> Read(int[] featureColumns, int[] labelColumns, DataField?[] features, DataField?[] labels)
    {
        long firstRow = 0;
        for (int g = 0; g < _reader.RowGroupCount; g++)
        {
            using var group = _reader.OpenRowGroupReader(g);
            int rows = checked((int)group.RowCount);
            if (rows == 0)
            {
                continue;
            }

            long first = firstRow;
            int groupIndex = g;
            var block = new TabularBlock(this, featureColumns, labelColumns, rows, r => string.Create(CultureInfo.InvariantCulture, $"{FileName} row {first + r + 1} (row group {groupIndex})"));
            for (int j = 0; j < features.Length; j++)
            {
                var column = features[j] is { } field ? ReadChecked(group, field, rows, g) : new double?[rows];
                for (int r = 0; r < rows; r++)
                {
                    double? value = column[r];
                    float single = value is { } v ? (float)v : float.NaN;
                    block.Features[(r * features.Length) + j] = single;
                    if (value is { } d && !double.IsNaN(d) && float.IsInfinity(single))
                    {
                        block.SetFeatureIssue(r, j, CellKind.OutOfRange, d.ToString("R", CultureInfo.InvariantCulture));
                    }
                }
            }

            for (int h = 0; h < labels.Length; h++)
            {
                var column = labels[h] is { } field ? ReadChecked(group, field, rows, g) : new double?[rows];
                for (int r = 0; r < rows; r++)
                {
                    double? value = column[r];
                    if (value is null)
                    {
                        block.Labels[(r * labels.Length) + h] = MultiHeadDataset.MissingLabel;
                    }
                    else if (value.Value >= 0 && value.Value <= int.MaxValue)
                    {
                        block.Labels[(r * labels.Length) + h] = (int)value.Value;
                    }
                    else
                    {
                        block.SetLabelIssue(r, h, value.Value.ToString("R", CultureInfo.InvariantCulture));
                    }
                }
            }

            firstRow += rows;
            yield return block;
        }

        if (firstRow == 0)
        {
            throw new CliException($"{FileName}: the file has a schema but no data rows.");
        }
    }

    private double?[] ReadChecked(ParquetRowGroupReader group, DataField field, int rows, int g)
    {
        try
        {
            return ReadColumn(group, field, rows);
        }
        catch (Exception e) when (IsReadError(e))
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{FileName} row group {g}, column {MessageText.Quote(field.Name)}: cannot be read ({MessageText.Quote(e.Message)})."), e);
        }
    }
}
