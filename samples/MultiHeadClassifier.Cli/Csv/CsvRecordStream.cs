namespace MultiHeadClassifier.Cli.Csv;

/// <summary>
/// A CSV file read record by record as text cells: the header is read and checked when it is opened, and
/// <see cref="Rows"/> streams the data rows with their line numbers (through <see cref="CsvRecordSource"/>), so memory
/// does not grow with the file. Gives exactly the errors <see cref="CsvDataReader.Read"/> gives, in the same order
/// (it is what <see cref="CsvDataReader.Read"/> uses).
/// </summary>
internal sealed class CsvRecordStream : IDisposable
{
    private readonly CsvRecordSource _records;
    private bool _started;

    private CsvRecordStream(CsvRecordSource records)
    {
        FileName = records.FileName;
        _records = records;
        Header = records.Header;
    }

    /// <summary>The file name used in messages.</summary>
    public string FileName { get; }

    /// <summary>The column names.</summary>
    public string[] Header { get; }

    /// <summary>Opens a file and reads and checks its header.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The stream, positioned after the header.</returns>
    /// <exception cref="CliException">The file is missing or empty, or its header has an empty or repeated column name.</exception>
    public static CsvRecordStream Open(string path) => new(CsvRecordSource.Open(path));

    /// <summary>The index of a column, or −1.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The 0-based index.</returns>
    public int IndexOf(string name) => Array.IndexOf(Header, name);

    /// <summary>Where a cell is, for messages: <c>file line N, column 'c'</c>.</summary>
    /// <param name="line">The record's line.</param>
    /// <param name="column">0-based column.</param>
    /// <returns>The location text.</returns>
    public string Where(int line, int column) => $"{FileName} line {line}, column {MessageText.Quote(Header[column])}";

    /// <summary>Streams the data rows once, skipping blank lines.</summary>
    /// <returns>Each row's cells and its 1-based line.</returns>
    /// <exception cref="CliException">A row has the wrong width or a bad quoted cell, or there are no data rows.</exception>
    /// <exception cref="InvalidOperationException">The rows were already read.</exception>
    public IEnumerable<(string[] Row, int Line)> Rows()
    {
        if (_started)
        {
            throw new InvalidOperationException("A CSV record stream is read once.");
        }

        _started = true;
        return Enumerate();
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _records.Dispose();

    private IEnumerable<(string[] Row, int Line)> Enumerate()
    {
        while (_records.Next())
        {
            var record = new string[Header.Length];
            for (int c = 0; c < record.Length; c++)
            {
                record[c] = _records.Text(c);
            }

            yield return (record, _records.Line);
        }
    }
}
