using System.Globalization;
using CsvHelper;

namespace MultiHeadClassifier.Cli.Csv;

/// <summary>
/// Writes the CSV files <c>mhc</c> produces (<c>history.csv</c>, <c>predict</c>'s output) with CsvHelper's
/// <see cref="CsvWriter"/>, in one format that other tools read: comma-separated; a cell with a comma, a quote, CR
/// or LF enclosed in quotes with its quotes doubled (RFC 4180), and no other cell quoted; an empty cell written as
/// nothing; every record, the last included, ended with <see cref="Environment.NewLine"/>; UTF-8 without a
/// byte-order mark.
/// </summary>
/// <remarks>
/// Callers format their cells (numbers with <c>"R"</c> and the invariant culture), so the text of each cell is
/// theirs and CsvHelper only joins, quotes and ends records. The quoting rule is CsvHelper's
/// <see cref="CsvQuoting.WhenNeeded"/> (only a comma, a quote, CR or LF makes a cell quoted), set here rather than
/// left to a default, and the line ending is the platform's.
/// </remarks>
internal static class CsvOutput
{
    private static readonly CsvWriterOptions Options = new()
    {
        Separator = ',',
        Quoting = CsvQuoting.WhenNeeded,
        NewLine = Environment.NewLine,
        Injection = CsvInjection.None,
        WriteByteOrderMark = false,
    };

    /// <summary>Writes a whole file at once (so a failure leaves no half-written file), replacing any earlier one.</summary>
    /// <param name="path">The file.</param>
    /// <param name="records">The records, the header first; each is a list of cells.</param>
    public static void Write(string path, IEnumerable<IEnumerable<string>> records)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, Options, leaveOpen: true))
        {
            foreach (var record in records)
            {
                foreach (string cell in record)
                {
                    csv.WriteField(cell);
                }

                csv.EndRecord();
            }
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// Starts writing a file record by record, into a temporary file beside it that <see cref="Streaming.Commit"/>
    /// moves into place, so that a failure still leaves no half-written file and memory does not grow with the rows.
    /// The bytes are those <see cref="Write"/> gives for the same records.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The writer; dispose it (after <see cref="Streaming.Commit"/>, or instead of it to discard the file).</returns>
    public static Streaming Begin(string path) => new(path);

    /// <summary>A file being written record by record; see <see cref="Begin"/>.</summary>
    internal sealed class Streaming : IDisposable
    {
        private readonly string _path;
        private readonly string _temporary;
        private readonly CsvWriter _csv;
        private bool _committed;

        /// <summary>Opens the temporary file.</summary>
        /// <param name="path">The final file.</param>
        public Streaming(string path)
        {
            _path = path;
            _temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
            _csv = CsvWriter.ToFile(_temporary, Options);
        }

        /// <summary>Writes one record.</summary>
        /// <param name="record">Its cells.</param>
        public void WriteRecord(IEnumerable<string> record)
        {
            foreach (string cell in record)
            {
                _csv.WriteField(cell);
            }

            _csv.EndRecord();
        }

        /// <summary>Closes the temporary file and moves it to the final path, replacing any earlier file.</summary>
        public void Commit()
        {
            _csv.Dispose();
            File.Move(_temporary, _path, overwrite: true);
            _committed = true;
        }

        /// <summary>Closes the file; without <see cref="Commit"/>, deletes the temporary file.</summary>
        public void Dispose()
        {
            _csv.Dispose();
            if (!_committed)
            {
                File.Delete(_temporary);
            }
        }
    }
}
