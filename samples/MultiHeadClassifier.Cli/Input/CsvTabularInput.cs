using System.Globalization;
using System.Text;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Data;

namespace MultiHeadClassifier.Cli.Input;

/// <summary>
/// A CSV file as a <see cref="TabularInput"/>: one thread reads and splits records (CsvHelper, <see cref="CsvRecordSource"/>)
/// and copies the selected cells' bytes into a block, while the consumer's thread parses them to floats and labels
/// (<see cref="MissingValues.Classify(ReadOnlySpan{byte}, out float)"/>), so that the two halves of the work run on two
/// cores. Rows are located by the line they start on.
/// </summary>
internal sealed class CsvTabularInput : TabularInput
{
    private readonly CsvRecordSource _source;
    private readonly string _headerLocation;
    private bool _started;

    private CsvTabularInput(CsvRecordSource source, MissingValues missing)
        : base(source.FileName, source.Header, missing)
    {
        _source = source;
        _headerLocation = string.Create(CultureInfo.InvariantCulture, $"{source.FileName} line {source.Line}");
    }

    /// <inheritdoc />
    public override string HeaderLocation => _headerLocation;

    /// <summary>Opens a CSV file and reads its header.</summary>
    /// <param name="path">The file.</param>
    /// <param name="missing">The cells that mean "missing".</param>
    /// <returns>The input.</returns>
    /// <exception cref="CliException">The file is missing or empty or has a bad header.</exception>
    public static CsvTabularInput Create(string path, MissingValues missing) => new(CsvRecordSource.Open(path), missing);

    /// <inheritdoc />
    public override IEnumerable<TabularBlock> Blocks(int[] featureColumns, int[] labelColumns, int blockRows = DefaultBlockRows)
    {
        if (_started)
        {
            throw new InvalidOperationException("A tabular input is read once.");
        }

        _started = true;
        return Convert(ReadAhead.Run(RawBlocks([.. featureColumns, .. labelColumns], blockRows), capacity: 3), featureColumns, labelColumns);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _source.Dispose();
        }
    }

    /// <summary>Reads records and copies the selected cells' bytes, block by block (on the read-ahead thread).</summary>
    private IEnumerable<RawBlock> RawBlocks(int[] columns, int blockRows)
    {
        long firstRow = 0;
        var block = new RawBlock(blockRows, columns.Length);
        while (_source.Next())
        {
            block.Add(_source, columns);
            if (block.Rows == blockRows)
            {
                yield return block;
                firstRow += block.Rows;
                block = new RawBlock(blockRows, columns.Length) { FirstRow = firstRow };
            }
        }

        if (block.Rows > 0)
        {
            yield return block;
        }
    }

    /// <summary>Parses each raw block's cells (on the consumer's thread).</summary>
    private IEnumerable<TabularBlock> Convert(IEnumerable<RawBlock> raw, int[] featureColumns, int[] labelColumns)
    {
        int features = featureColumns.Length;
        int labels = labelColumns.Length;
        foreach (var r in raw)
        {
            int[] lines = r.Lines;
            var block = new TabularBlock(this, featureColumns, labelColumns, r.FirstRow, r.Rows, row => string.Create(CultureInfo.InvariantCulture, $"{FileName} line {lines[row]}"));
            float[] values = block.Features;
            int[] classes = block.Labels;
            for (int row = 0; row < r.Rows; row++)
            {
                for (int j = 0; j < features; j++)
                {
                    var cell = r.Cell(row, j);
                    var kind = Missing.Classify(cell, out float value);
                    values[(row * features) + j] = value;
                    if (kind is CellKind.NotANumber or CellKind.OutOfRange)
                    {
                        block.SetFeatureIssue(row, j, kind, Encoding.UTF8.GetString(cell));
                    }
                }

                for (int h = 0; h < labels; h++)
                {
                    var cell = r.Cell(row, features + h);
                    if (cell.IsEmpty)
                    {
                        classes[(row * labels) + h] = MultiHeadDataset.MissingLabel;
                    }
                    else if (int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) && label >= 0)
                    {
                        classes[(row * labels) + h] = label;
                    }
                    else
                    {
                        block.SetLabelIssue(row, h, Encoding.UTF8.GetString(cell));
                    }
                }
            }

            yield return block;
        }
    }

    /// <summary>The selected cells of up to a block of rows as UTF-8 bytes, with each row's line.</summary>
    private sealed class RawBlock
    {
        private readonly int _columns;
        private readonly int[] _ends;
        private byte[] _bytes;
        private int _length;

        public RawBlock(int capacity, int columns)
        {
            _columns = columns;
            _ends = new int[capacity * columns];
            Lines = new int[capacity];
            _bytes = new byte[capacity * columns * 8];
        }

        public long FirstRow { get; init; }

        public int Rows { get; private set; }

        public int[] Lines { get; }

        public void Add(CsvRecordSource source, int[] columns)
        {
            int at = Rows * _columns;
            for (int c = 0; c < columns.Length; c++)
            {
                var cell = columns[c] >= 0 ? source.Cell(columns[c]) : default;
                if (_length + cell.Length > _bytes.Length)
                {
                    Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + cell.Length));
                }

                cell.CopyTo(_bytes.AsSpan(_length));
                _length += cell.Length;
                _ends[at + c] = _length;
            }

            Lines[Rows++] = source.Line;
        }

        public ReadOnlySpan<byte> Cell(int row, int column)
        {
            int k = (row * _columns) + column;
            int start = k == 0 ? 0 : _ends[k - 1];
            return _bytes.AsSpan(start, _ends[k] - start);
        }
    }
}
