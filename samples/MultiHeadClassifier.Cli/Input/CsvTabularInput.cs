using System.Globalization;
using System.Text;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Data;

namespace MultiHeadClassifier.Cli.Input;

/// <summary>
/// A CSV file as a <see cref="TabularInput"/>: a worker thread reads records (CsvHelper's UTF-8 reader, through
/// <see cref="CsvRecordSource"/>) and parses the selected cells straight from their bytes to floats and labels
/// (<see cref="MissingValues.Classify(ReadOnlySpan{byte}, out float)"/>, no string per cell), a couple of blocks ahead of
/// the consumer, whose own work on each block (checking, caching, writing) runs meanwhile. Rows are located by the
/// line they start on.
/// </summary>
internal sealed class CsvTabularInput : TabularInput
{
    private readonly CsvRecordSource _source;
    private bool _started;

    private CsvTabularInput(CsvRecordSource source, MissingValues missing)
        : base(source.FileName, source.Header, missing)
    {
        _source = source;
    }

    /// <inheritdoc />
    public override string MissingLabel => "empty";

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
        var blocks = ParsedBlocks(featureColumns, labelColumns, blockRows);
        return ReadAhead.Run(blocks, capacity: 2);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _source.Dispose();
        }
    }

    /// <summary>Reads records and parses the selected cells, block by block.</summary>
    private IEnumerable<TabularBlock> ParsedBlocks(int[] featureColumns, int[] labelColumns, int blockRows)
    {
        int features = featureColumns.Length;
        int labels = labelColumns.Length;
        while (true)
        {
            var lines = new int[blockRows];
            var block = new TabularBlock(this, featureColumns, labelColumns, blockRows, row => string.Create(CultureInfo.InvariantCulture, $"{FileName} line {lines[row]}"));
            float[] values = block.Features;
            int[] classes = block.Labels;
            int row = 0;
            for (; row < blockRows && _source.Next(); row++)
            {
                lines[row] = _source.Line;
                for (int j = 0; j < features; j++)
                {
                    var cell = featureColumns[j] >= 0 ? _source.Cell(featureColumns[j]) : default;
                    var kind = Missing.Classify(cell, out float value);
                    values[(row * features) + j] = value;
                    if (kind is CellKind.NotANumber or CellKind.OutOfRange)
                    {
                        block.SetFeatureIssue(row, j, kind, Encoding.UTF8.GetString(cell));
                    }
                }

                for (int h = 0; h < labels; h++)
                {
                    var cell = labelColumns[h] >= 0 ? _source.Cell(labelColumns[h]) : default;
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

            if (row == 0)
            {
                yield break;
            }

            yield return row == blockRows ? block : block.Take(row);
            if (row < blockRows)
            {
                yield break;
            }
        }
    }
}
