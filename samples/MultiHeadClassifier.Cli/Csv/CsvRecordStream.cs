namespace MultiHeadClassifier.Cli.Csv;

/// <summary>
/// A CSV file read record by record: the header is read and checked when it is opened, and <see cref="Rows"/>
/// streams the data rows with their line numbers, so memory does not grow with the file. Gives exactly the errors
/// <see cref="CsvDataReader.Read"/> gives, in the same order (it is what <see cref="CsvDataReader.Read"/> uses).
/// </summary>
internal sealed class CsvRecordStream : IDisposable
{
    private readonly CsvDataReader.RecordReader _records;
    private bool _started;

    private CsvRecordStream(string fileName, CsvDataReader.RecordReader records, string[] header)
    {
        FileName = fileName;
        _records = records;
        Header = header;
    }

    /// <summary>The file name used in messages.</summary>
    public string FileName { get; }

    /// <summary>The column names.</summary>
    public string[] Header { get; }

    /// <summary>Opens a file and reads and checks its header.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The stream, positioned after the header.</returns>
    /// <exception cref="CliException">The file is missing or empty, or its header has an empty or repeated column name.</exception>
    public static CsvRecordStream Open(string path)
    {
        string name = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: file not found.");
        }

        // A byte-order mark is detected and dropped, as File.ReadAllText does.
        var records = new CsvDataReader.RecordReader(name, new StreamReader(path, detectEncodingFromByteOrderMarks: true));
        try
        {
            string[] header = records.Next(null) ?? throw new CliException($"{name}: the file is empty; the first line must be a header.");
            int headerLine = records.Line;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int c = 0; c < header.Length; c++)
            {
                if (header[c].Length == 0)
                {
                    throw new CliException($"{name} line {headerLine}: column {c + 1} has an empty name.");
                }

                if (!seen.Add(header[c]))
                {
                    throw new CliException($"{name} line {headerLine}: column {MessageText.Quote(header[c])} appears more than once.");
                }
            }

            return new CsvRecordStream(name, records, header);
        }
        catch
        {
            records.Dispose();
            throw;
        }
    }

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
        bool any = false;
        while (_records.Next(Header) is { } record)
        {
            if (record.Length == 1 && record[0].Length == 0 && Header.Length > 1)
            {
                continue;
            }

            if (record.Length != Header.Length)
            {
                throw new CliException($"{FileName} line {_records.Line}: has {record.Length} cells, but the header has {Header.Length} columns.");
            }

            any = true;
            yield return (record, _records.Line);
        }

        if (!any)
        {
            throw new CliException($"{FileName}: the file has a header but no data rows.");
        }
    }
}
