using MultiHeadClassifier.Cli.Csv;

namespace MultiHeadClassifier.Cli.Output;

/// <summary>
/// <c>mhc predict</c>'s CSV output through <see cref="CsvOutput"/>: a header of column names, then one record per row
/// with each cell as <see cref="PredictionColumn.Cell"/> formats it.
/// </summary>
internal sealed class CsvPredictionWriter : IPredictionWriter
{
    private readonly CsvOutput.Streaming _csv;
    private bool _headerWritten;

    /// <summary>Opens the temporary file.</summary>
    /// <param name="path">The output file.</param>
    public CsvPredictionWriter(string path) => _csv = CsvOutput.Begin(path);

    /// <inheritdoc/>
    public void WriteChunk(IReadOnlyList<PredictionColumn> columns, int rows)
    {
        if (!_headerWritten)
        {
            _csv.WriteRecord(columns.Select(c => c.Name));
            _headerWritten = true;
        }

        for (int r = 0; r < rows; r++)
        {
            _csv.WriteRecord(columns.Select(c => c.Cell(r)));
        }
    }

    /// <inheritdoc/>
    public void Commit() => _csv.Commit();

    /// <inheritdoc/>
    public void Dispose() => _csv.Dispose();
}
