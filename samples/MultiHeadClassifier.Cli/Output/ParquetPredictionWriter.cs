using Parquet;
using Parquet.Schema;

namespace MultiHeadClassifier.Cli.Output;

/// <summary>
/// <c>mhc predict</c>'s Parquet output through Parquet.Net: the CSV output's columns, with the same names and row
/// order, as required (non-nullable) columns: <c>int32</c> for labels, <c>float</c> (32-bit) for probabilities and
/// logits, holding exactly the floats the CSV prints. One row group per chunk.
/// </summary>
internal sealed class ParquetPredictionWriter : IPredictionWriter
{
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _stream;
    private ParquetWriter? _writer;
    private DataField[]? _fields;
    private bool _committed;

    /// <summary>Opens the temporary file.</summary>
    /// <param name="path">The output file.</param>
    public ParquetPredictionWriter(string path)
    {
        _path = path;
        _temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.ReadWrite);
    }

    /// <inheritdoc/>
    public void WriteChunk(IReadOnlyList<PredictionColumn> columns, int rows)
    {
        if (_writer is null)
        {
            _fields = [.. columns.Select(c => c.Labels is not null ? (DataField)new DataField<int>(c.Name, nullable: false) : new DataField<float>(c.Name, nullable: false))];
            _writer = ParquetWriter.CreateAsync(new ParquetSchema(_fields), _stream).GetAwaiter().GetResult();
        }

        using ParquetRowGroupWriter group = _writer.CreateRowGroup();
        for (int i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            if (column.Labels is not null)
            {
                group.WriteAsync<int>(_fields![i], column.Labels.AsMemory(0, rows)).GetAwaiter().GetResult();
            }
            else
            {
                group.WriteAsync<float>(_fields![i], column.Scores!.AsMemory(0, rows)).GetAwaiter().GetResult();
            }
        }

        group.CompleteValidate();
    }

    /// <inheritdoc/>
    public void Commit()
    {
        Close();
        File.Move(_temporary, _path, overwrite: true);
        _committed = true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Close();
        if (!_committed)
        {
            File.Delete(_temporary);
        }
    }

    private void Close()
    {
        if (_writer is not null)
        {
            _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _writer = null;
        }

        _stream.Dispose();
    }
}
