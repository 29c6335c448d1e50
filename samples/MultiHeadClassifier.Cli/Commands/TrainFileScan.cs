using System.Globalization;
using System.Runtime.InteropServices;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Cli.Input;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// The training file (CSV or Parquet, a <see cref="TabularInput"/>) read once, as a stream of row blocks, so that
/// memory does not grow with its rows: the pass checks every cell, gathers what the run needs (feature means, each
/// head's labels' running maxima, the classes seen) and keeps the parsed rows in a temporary binary cache (float32
/// features with NaN for a missing cell, int32 labels, in the temp folder; deleted when the scan is disposed);
/// <see cref="WriteDataFile"/> then converts the cached rows, imputed, to a
/// <see cref="MultiHeadDataFile"/> without parsing the file again. The file is thus read exactly once: what is trained
/// on is what was checked, even if the file changes meanwhile.
/// </summary>
/// <remarks>
/// The errors, and which one is reported when a file has several, are those of the whole-table reference reader the tests
/// hold it to: the file's structure first (as <see cref="CsvRecordSource"/> reports it), then missing head columns, no feature column,
/// a feature with no numeric value (with imputation), <c>--classes</c>, labels head by head (with every class
/// count given: the first bad or out-of-range cell; otherwise the first bad cell, then each inferred class count,
/// then out-of-range labels), then the first bad feature cell, row by row.
/// </remarks>
internal sealed class TrainFileScan : IDisposable
{
    private readonly FileStream _cache;
    private readonly string[] _heads;
    private readonly int[] _featureColumns;
    private readonly int[] _headColumns;
    private readonly HashSet<int>[] _seen;
    private long _rowCount;

    private TrainFileScan(TabularInput input, string[] heads, string[] features, int[] featureColumns, int[] headColumns)
    {
        (FileName, _heads, Features, _featureColumns, _headColumns) = (input.FileName, heads, features, featureColumns, headColumns);
        _cache = new FileStream(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mhc-scan-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        _seen = [.. heads.Select(_ => new HashSet<int>())];
        ClassCounts = [];
    }

    /// <summary>The file name for messages.</summary>
    public string FileName { get; }

    /// <summary>The feature column names in model order.</summary>
    public string[] Features { get; }

    /// <summary>Imputation means, or null.</summary>
    public Dictionary<string, double>? Means { get; private set; }

    /// <summary>Each head's class count, given or inferred.</summary>
    public int[] ClassCounts { get; private set; }

    /// <summary>Reads the file once and checks it.</summary>
    /// <param name="settings">The command's options.</param>
    /// <returns>The scan.</returns>
    /// <exception cref="CliException">The file or a cell is bad; the message names the file, line (or row), column and head, and
    /// a file with several errors reports the one the remarks give.</exception>
    public static TrainFileScan Run(TrainSettings settings)
    {
        string[] heads = settings.Heads;
        using var input = TabularInput.Open(settings.Train, settings.Missing);
        int[] headColumns = [.. heads.Select(input.IndexOf)];
        string[] features = [.. input.Header.Where(c => !heads.Contains(c, StringComparer.Ordinal))];
        int[] featureColumns = [.. features.Select(input.IndexOf)];
        var scan = new TrainFileScan(input, heads, features, featureColumns, headColumns);
        try
        {
            scan.Check(input, settings);
            return scan;
        }
        catch
        {
            scan.Dispose();
            throw;
        }
    }

    /// <summary>Deletes the cache of parsed rows.</summary>
    public void Dispose() => _cache.Dispose();

    private void Check(TabularInput input, TrainSettings settings)
    {
        string[] heads = _heads;
        var tally = new Tally(this, settings.ImputeMeans);
        foreach (var block in input.Blocks(_featureColumns, _headColumns))
        {
            tally.Add(block);
            Cache(block);
        }

        foreach (string head in heads)
        {
            if (input.IndexOf(head) < 0)
            {
                throw input.MissingHead(head);
            }
        }

        if (Features.Length == 0)
        {
            throw new CliException($"{input.FileName}: no feature columns (every column is listed in --heads).");
        }

        _rowCount = tally.RowCount;
        Means = settings.ImputeMeans ? tally.Means() : null;
        ClassCounts = tally.ClassCounts(OptionParsers.Classes(settings.Classes, heads));
        for (int h = 0; h < heads.Length; h++)
        {
            if (ClassCounts[h] > MultiHeadDataFile.MaxClassCount)
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--classes: head '{heads[h]}' has {ClassCounts[h]} classes, but mhc train streams its data through a file that holds at most {MultiHeadDataFile.MaxClassCount} per head."));
            }
        }

        if (tally.FeatureError is { } error)
        {
            throw new CliException(error);
        }
    }

    /// <summary>Appends a block's parsed rows to the cache: its row count, then its features and labels as they are in memory.</summary>
    private void Cache(TabularBlock block)
    {
        Span<byte> count = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(count, block.RowCount);
        _cache.Write(count);
        _cache.Write(MemoryMarshal.AsBytes(block.Features.AsSpan()));
        _cache.Write(MemoryMarshal.AsBytes(block.Labels.AsSpan()));
    }

    /// <summary>Class weights computed from counts are undefined for a class with no training rows.</summary>
    /// <param name="weighting">The run's class weighting.</param>
    /// <exception cref="CliException">A class of some head has no training rows and the weighting needs counts.</exception>
    public void RequireEveryClassSeen(ClassWeighting weighting)
    {
        if (!weighting.NeedsCounts)
        {
            return;
        }

        for (int h = 0; h < _heads.Length; h++)
        {
            int missing = Enumerable.Range(0, ClassCounts[h]).FirstOrDefault(c => !_seen[h].Contains(c), -1);
            if (missing >= 0)
            {
                throw new CliException($"{FileName}, head '{_heads[h]}': class {missing} of 0..{ClassCounts[h] - 1} has no training rows, so '{weighting.Name}' class weights are undefined; use --class-weights none or a smaller --classes.");
            }
        }
    }

    /// <summary>Writes the checked rows, imputed, from the cache to a temporary data file.</summary>
    /// <returns>The data file.</returns>
    public TrainDataFile WriteDataFile()
    {
        _cache.Position = 0;
        float[] means = Means is { } m ? [.. Features.Select(f => (float)m[f])] : [];
        int featureCount = Features.Length;
        int headCount = _heads.Length;
        var features = Array.Empty<float>();
        var labels = Array.Empty<int>();
        byte[] count = new byte[sizeof(int)];
        var result = TrainDataFile.Write(featureCount, _heads, ClassCounts, writer =>
        {
            while (writer.RowCount < _rowCount)
            {
                _cache.ReadExactly(count);
                int rows = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(count);
                if (features.Length < rows * featureCount)
                {
                    (features, labels) = (new float[rows * featureCount], new int[rows * headCount]);
                }

                _cache.ReadExactly(MemoryMarshal.AsBytes(features.AsSpan(0, rows * featureCount)));
                _cache.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan(0, rows * headCount)));
                for (int r = 0; r < rows; r++)
                {
                    var row = features.AsSpan(r * featureCount, featureCount);
                    for (int j = 0; j < featureCount; j++)
                    {
                        if (float.IsNaN(row[j]))
                        {
                            // The scan let a NaN through only as an imputed missing cell.
                            row[j] = means[j];
                        }
                    }

                    writer.Append(row, labels.AsSpan(r * headCount, headCount));
                }
            }
        });
        return result;
    }

    /// <summary>What the pass over the file gathers, and the errors it defers until the checks that come before them have run.</summary>
    private sealed class Tally(TrainFileScan scan, bool impute)
    {
        private readonly double[] _sums = new double[scan.Features.Length];
        private readonly long[] _counts = new long[scan.Features.Length];
        private readonly string?[] _labelError = new string?[scan._heads.Length];
        private readonly long[] _labelErrorRow = new long[scan._heads.Length];

        // Each head's running maxima: (row, location, label) each time a label exceeds every earlier one, so that the
        // first row with a label ≥ K is found for any K once the class counts are known.
        private readonly List<(long Row, string Location, int Label)>[] _maxima = [.. scan._heads.Select(_ => new List<(long, string, int)>())];
        private long _row;

        /// <summary>The number of data rows read.</summary>
        public long RowCount => _row;

        /// <summary>The first bad feature cell's message, row by row; null when there is none.</summary>
        public string? FeatureError { get; private set; }

        public void Add(TabularBlock block)
        {
            for (int r = 0; r < block.RowCount; r++)
            {
                var features = block.FeatureRow(r);
                for (int j = 0; j < features.Length; j++)
                {
                    float value = features[j];
                    if (!float.IsNaN(value))
                    {
                        _sums[j] += value;
                        _counts[j]++;
                    }
                    else
                    {
                        FeatureError ??= block.FeatureError(r, j, impute);
                    }
                }

                var labels = block.LabelRow(r);
                for (int h = 0; h < labels.Length; h++)
                {
                    int label = labels[h];
                    if (scan._headColumns[h] < 0 || _labelError[h] is not null || label == MultiHeadDataset.MissingLabel)
                    {
                        continue;
                    }

                    if (label == TabularBlock.BadLabel)
                    {
                        _labelError[h] = block.LabelError(r, h, scan._heads[h]);
                        _labelErrorRow[h] = _row;
                        continue;
                    }

                    var maxima = _maxima[h];
                    if (maxima.Count == 0 || label > maxima[^1].Label)
                    {
                        maxima.Add((_row, block.Location(r), label));
                    }

                    scan._seen[h].Add(label);
                }

                _row++;
            }
        }

        public Dictionary<string, double> Means()
        {
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int j = 0; j < scan.Features.Length; j++)
            {
                if (_counts[j] == 0)
                {
                    throw new CliException($"{scan.FileName}: feature column '{scan.Features[j]}' has no numeric value, so its mean cannot be imputed.");
                }

                result[scan.Features[j]] = _sums[j] / _counts[j];
            }

            return result;
        }

        /// <summary>Checks the labels against the given class counts and infers the others, with the errors in the order the remarks give.</summary>
        public int[] ClassCounts(int?[] given)
        {
            string[] heads = scan._heads;
            bool allGiven = given.All(k => k is not null);
            for (int h = 0; h < heads.Length; h++)
            {
                var tooLarge = allGiven ? FirstAtLeast(h, given[h]!.Value) : null;
                if (_labelError[h] is { } error && (tooLarge is null || _labelErrorRow[h] < tooLarge.Value.Row))
                {
                    throw new CliException(error);
                }

                if (tooLarge is { } t)
                {
                    throw OutOfRange(h, t, given[h]!.Value);
                }
            }

            int[] counts = new int[heads.Length];
            for (int h = 0; h < heads.Length; h++)
            {
                counts[h] = given[h] ?? Infer(h);
            }

            for (int h = 0; h < heads.Length; h++)
            {
                if (FirstAtLeast(h, counts[h]) is { } t)
                {
                    throw OutOfRange(h, t, counts[h]);
                }
            }

            return counts;
        }

        private int Infer(int h)
        {
            var maxima = _maxima[h];
            int max = maxima.Count == 0 ? -1 : maxima[^1].Label;
            if (max >= TrainCommand.MaxInferredClassCount)
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{maxima[^1].Location}, column {MessageText.Quote(scan._heads[h])}, head '{scan._heads[h]}': label {max} would mean {max + 1L} classes, more than the {TrainCommand.MaxInferredClassCount} inferred without --classes; if the head really has that many classes, give --classes."));
            }

            if (max < 1)
            {
                throw new CliException($"{scan.FileName}, head '{scan._heads[h]}': the training labels show {max + 1} class(es); a head needs at least 2 (give --classes).");
            }

            return max + 1;
        }

        private (long Row, string Location, int Label)? FirstAtLeast(int h, int classCount)
        {
            foreach (var entry in _maxima[h])
            {
                if (entry.Label >= classCount)
                {
                    return entry;
                }
            }

            return null;
        }

        private CliException OutOfRange(int h, (long Row, string Location, int Label) at, int classCount) =>
            LabelMessages.OutOfRange($"{at.Location}, column {MessageText.Quote(scan._heads[h])}", scan._heads[h], at.Label, classCount);
    }
}
