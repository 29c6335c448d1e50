using System.Globalization;
using CsvHelper;

namespace MultiHeadClassifier.Cli.Csv;

/// <summary>
/// A CSV file read record by record with CsvHelper's UTF-8 <see cref="CsvReader"/>, with the rules every <c>mhc</c>
/// command reads CSV by: the first non-blank line is a header whose names are non-empty and distinct; cells are
/// trimmed of spaces and tabs outside quotes and unquoted; blank lines are skipped; every data row has the header's
/// width; a quoted cell that is never closed, or has text after its closing quote, is an error (a quote inside an
/// unquoted cell stays part of the text); a byte-order mark is dropped; and <see cref="Line"/> is the 1-based line
/// on which the current record starts (blank lines and lines inside quoted cells count).
/// </summary>
/// <remarks>Cells are read as UTF-8 spans (<see cref="Cell"/>) so that numbers are parsed without a string per cell.</remarks>
internal sealed class CsvRecordSource : IDisposable
{
    /// <summary>
    /// The longest record read, in bytes: a longer one is an error rather than a buffer that grows with the file, as
    /// it would for a quote opened near the start of a large file and never closed.
    /// </summary>
    public const int MaxRecordBytes = 16 << 20;

    private readonly CsvReader _reader;
    private bool _malformed;
    private bool _any;
    private bool _ended;

    private CsvRecordSource(string fileName, string path)
    {
        FileName = fileName;
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = false,
            TrackLineNumbers = true,
            TrimWhitespace = true,
            SkipEmptyLines = true,
            DetectSeparatorHint = false,
            MaxRecordSize = MaxRecordBytes,
            MalformedData = CsvMalformedDataHandling.Recover,
            OnMalformedRecord = record => _malformed |= record.Reason is CsvMalformedReason.UnterminatedQuote or CsvMalformedReason.TextAfterClosingQuote,
        };
        _reader = CsvReader.FromFile(path, options);
    }

    /// <summary>The file name used in messages.</summary>
    public string FileName { get; }

    /// <summary>The column names.</summary>
    public string[] Header { get; private set; } = [];

    /// <summary>The 1-based line on which the current record starts.</summary>
    public int Line => checked((int)_reader.LineNumber);

    /// <summary>Opens a file and reads and checks its header.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The source, positioned after the header.</returns>
    /// <exception cref="CliException">The file is missing or empty, or its header has an empty or repeated column name
    /// or a bad quoted cell.</exception>
    public static CsvRecordSource Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: file not found.");
        }

        var source = new CsvRecordSource(Path.GetFileName(path), path);
        try
        {
            if (!source.ReadRecord(null))
            {
                throw new CliException($"{source.FileName}: the file is empty; the first line must be a header.");
            }

            var header = new string[source._reader.FieldCount];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int c = 0; c < header.Length; c++)
            {
                header[c] = source._reader.GetString(c);
                if (header[c].Length == 0)
                {
                    throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{source.FileName} line {source.Line}: column {c + 1} has an empty name."));
                }

                if (!seen.Add(header[c]))
                {
                    throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{source.FileName} line {source.Line}: column {MessageText.Quote(header[c])} appears more than once."));
                }
            }

            source.Header = header;
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Moves to the next data row, skipping blank lines.</summary>
    /// <returns>False at the end of the file.</returns>
    /// <exception cref="CliException">A row has a bad quoted cell or the wrong width, or the file has no data rows.</exception>
    public bool Next()
    {
        while (!_ended)
        {
            if (!ReadRecord(Header))
            {
                _ended = true;
                return _any ? false : throw new CliException($"{FileName}: the file has a header but no data rows.");
            }

            int count = _reader.FieldCount;
            if (count == 1 && Header.Length > 1 && _reader.GetSpan(0).IsEmpty)
            {
                continue;
            }

            if (count != Header.Length)
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{FileName} line {Line}: has {count} cells, but the header has {Header.Length} columns."));
            }

            _any = true;
            return true;
        }

        return false;
    }

    /// <summary>A cell of the current row: its UTF-8 bytes, trimmed and unquoted, valid until <see cref="Next"/>.</summary>
    /// <param name="column">0-based column.</param>
    /// <returns>The bytes.</returns>
    public ReadOnlySpan<byte> Cell(int column) => _reader.GetSpan(column);

    /// <summary>A cell of the current row as text.</summary>
    /// <param name="column">0-based column.</param>
    /// <returns>The text.</returns>
    public string Text(int column) => _reader.GetString(column);

    /// <summary>Closes the file.</summary>
    public void Dispose() => _reader.Dispose();

    /// <summary>
    /// The index of a raw quoted cell's closing quote (<c>""</c> inside is a literal quote), or −1 when it is never
    /// closed.
    /// </summary>
    private static int ClosingQuote(string field)
    {
        for (int i = 1; i < field.Length; i++)
        {
            if (field[i] == '"')
            {
                if (i + 1 < field.Length && field[i + 1] == '"')
                {
                    i++;
                    continue;
                }

                return i;
            }
        }

        return -1;
    }

    private bool ReadRecord(IReadOnlyList<string>? header)
    {
        _malformed = false;
        try
        {
            if (!_reader.Read())
            {
                return false;
            }
        }
        catch (CsvFormatException e)
        {
            string line = e.LineNumber > 0 ? string.Create(CultureInfo.InvariantCulture, $" line {e.LineNumber}") : string.Empty;
            throw new CliException(
                e.Message.Contains("MaxRecordSize", StringComparison.Ordinal)
                    ? $"{FileName}{line}: the record is longer than {MaxRecordBytes >> 20} MiB, so a quoted cell is probably never closed."
                    : $"{FileName}{line}: cannot be read as CSV ({MessageText.Quote(e.Message)}).",
                e);
        }

        if (_malformed)
        {
            CheckQuotes(header);
        }

        return true;
    }

    /// <summary>Finds the cell a malformed record's quoting problem is in and names it.</summary>
    private void CheckQuotes(IReadOnlyList<string>? header)
    {
        for (int i = 0; i < _reader.FieldCount; i++)
        {
            string raw = System.Text.Encoding.UTF8.GetString(_reader.GetRawSpan(i)).Trim(' ', '\t');
            if (!raw.StartsWith('"'))
            {
                continue;
            }

            string column = header is not null && i < header.Count ? $"column {MessageText.Quote(header[i])}" : string.Create(CultureInfo.InvariantCulture, $"column {i + 1}");
            int closing = ClosingQuote(raw);
            if (closing < 0)
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{FileName} line {Line}, {column}: a quoted cell is not closed (its opening quote runs to the end of the file)."));
            }

            if (raw[(closing + 1)..].Trim(' ', '\t').Length > 0)
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{FileName} line {Line}, {column}: text follows the closing quote in {MessageText.Quote(raw)}; put the whole cell in quotes and double any quote inside it."));
            }
        }
    }
}
