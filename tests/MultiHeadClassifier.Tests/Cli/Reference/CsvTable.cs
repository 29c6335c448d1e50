using MultiHeadClassifier.Cli.Csv;

namespace MultiHeadClassifier.Tests.Cli.Reference;

/// <summary>The raw cells of a CSV file, as <see cref="CsvTableReader"/> reads them whole: a header and data rows, each with its 1-based line number in the file.</summary>
/// <param name="FileName">The file name used in messages.</param>
/// <param name="Header">The column names.</param>
/// <param name="Rows">The data rows' cells.</param>
/// <param name="LineNumbers">For each data row, its 1-based line number in the file (the header is line 1).</param>
internal sealed record CsvTable(string FileName, IReadOnlyList<string> Header, IReadOnlyList<string[]> Rows, IReadOnlyList<int> LineNumbers)
{
    /// <summary>The index of a column, or −1.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The 0-based column index, or −1 when absent.</returns>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Header.Count; i++)
        {
            if (string.Equals(Header[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Where a cell is, for messages: <c>file line N, column 'c'</c>.</summary>
    /// <param name="row">0-based data row.</param>
    /// <param name="column">0-based column.</param>
    /// <returns>The location text.</returns>
    public string Where(int row, int column) => $"{FileName} line {LineNumbers[row]}, column {MessageText.Quote(Header[column])}";
}
