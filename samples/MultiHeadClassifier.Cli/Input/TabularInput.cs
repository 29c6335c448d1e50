using MultiHeadClassifier.Cli.Csv;

namespace MultiHeadClassifier.Cli.Input;

/// <summary>
/// A tabular input file (CSV, or Parquet when the name ends in <c>.parquet</c>) read once, front to back, in blocks
/// of rows (<see cref="TabularBlock"/>), so that memory holds a block or two whatever the file's size: a header of
/// column names, then rows whose selected columns are converted to float features and integer labels.
/// </summary>
/// <remarks>
/// Errors in the file's structure (a bad quoted cell, a row of the wrong width, no data rows) are thrown by
/// <see cref="Blocks"/> when the reading reaches them; cells that are not numbers or class indices are not thrown but
/// marked in the block, so that callers decide which error a file with several reports.
/// </remarks>
internal abstract class TabularInput : IDisposable
{
    /// <summary>Rows per block unless asked otherwise.</summary>
    public const int DefaultBlockRows = 8192;

    /// <summary>Sets the file name, header and missing values.</summary>
    /// <param name="fileName">The file name for messages.</param>
    /// <param name="header">The column names.</param>
    /// <param name="missing">The CSV cells that mean "missing".</param>
    protected TabularInput(string fileName, IReadOnlyList<string> header, MissingValues missing) =>
        (FileName, Header, Missing) = (fileName, header, missing);

    /// <summary>The file name for messages.</summary>
    public string FileName { get; }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The CSV cells that mean "missing" (Parquet's nulls are missing whatever the set).</summary>
    public MissingValues Missing { get; }

    /// <summary>True for a file whose name ends in <c>.parquet</c> (any case): read, or written by <c>predict</c>, as Parquet.</summary>
    /// <param name="path">The file.</param>
    /// <returns>Whether it is read as Parquet.</returns>
    public static bool IsParquet(string path) => Path.GetExtension(path).Equals(".parquet", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens a file by its extension and reads its header.</summary>
    /// <param name="path">The file.</param>
    /// <param name="missing">The CSV cells that mean "missing".</param>
    /// <returns>The input; dispose it.</returns>
    /// <exception cref="CliException">The file is missing, empty or has a bad header.</exception>
    public static TabularInput Open(string path, MissingValues missing) =>
        IsParquet(path) ? ParquetTabularInput.Create(path, missing) : CsvTabularInput.Create(path, missing);

    /// <summary>The index of a column, or −1.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The 0-based index.</returns>
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

    /// <summary>How the file writes a missing label, for messages: <c>empty</c> (a CSV cell) or <c>null</c> (Parquet).</summary>
    public abstract string MissingLabel { get; }

    /// <summary>The message for a head with no column.</summary>
    /// <param name="head">The head.</param>
    /// <returns>The exception.</returns>
    public CliException MissingHead(string head) =>
        new($"{FileName}: head '{head}' has no column in the header (columns: {string.Join(", ", Header)}).");

    /// <summary>The message for a feature with no column.</summary>
    /// <param name="feature">The feature.</param>
    /// <returns>The exception.</returns>
    public CliException MissingFeature(string feature) =>
        new($"{FileName}: feature column {MessageText.Quote(feature)} is missing from the header.");

    /// <summary>Reads the data rows once, in blocks, in file order.</summary>
    /// <param name="featureColumns">Header indices of the feature columns, in model order (−1: absent, read as missing).</param>
    /// <param name="labelColumns">Header indices of the label columns, in head order (−1: absent, read as missing labels).</param>
    /// <param name="blockRows">The most rows per block.</param>
    /// <returns>The blocks.</returns>
    /// <exception cref="CliException">The file's structure is bad where reading reaches it, or it has no data rows.</exception>
    public abstract IEnumerable<TabularBlock> Blocks(int[] featureColumns, int[] labelColumns, int blockRows = DefaultBlockRows);

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the file.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);
}
