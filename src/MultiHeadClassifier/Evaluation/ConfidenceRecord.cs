using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// What adaptive ECE needs of every labelled row: its top-label confidence and whether its top class is the label,
/// packed into one double (the confidence, negated for a hit; confidences are never negative, and −0 keeps its sign
/// bit). Up to <see cref="MemoryRows"/> rows are held in memory, in blocks of at most <see cref="BlockSize"/> so that
/// growing never copies what is already held. When that many are held, they are sorted (stably, by confidence) and
/// written as one sorted run to a temporary file, and the memory is reused for the next rows; so memory stays at
/// 8 bytes × <see cref="MemoryRows"/> whatever the number of rows, and the file grows by 8 bytes per row.
/// Not thread-safe.
/// </summary>
/// <remarks>
/// The temporary file is created in <see cref="Path.GetTempPath"/> (or the given folder). On Windows it is opened
/// with <see cref="FileOptions.DeleteOnClose"/>; elsewhere its name is removed as soon as it is opened, so it never
/// outlives the process and is invisible to others. Its space is given back when the record is disposed (or
/// collected).
/// </remarks>
internal sealed class ConfidenceRecord : IDisposable
{
    /// <summary>Rows per block: 65,536 (512 KiB).</summary>
    internal const int BlockSize = 1 << 16;

    /// <summary>The default number of rows held in memory before a sorted run is written out: 262,144 (2 MiB).</summary>
    internal const int DefaultMemoryRows = 1 << 18;

    private readonly List<double[]> _blocks = [];
    private readonly List<int> _runLengths = [];
    private readonly string? _spillFolder;
    private readonly int _blockSize;
    private SafeFileHandle? _file;
    private long _fileLength;

    /// <summary>Starts an empty record that holds up to <see cref="DefaultMemoryRows"/> rows in memory.</summary>
    public ConfidenceRecord()
        : this(DefaultMemoryRows, null)
    {
    }

    /// <summary>Starts an empty record.</summary>
    /// <param name="memoryRows">How many rows to hold in memory before writing a sorted run out (at least 1).</param>
    /// <param name="spillFolder">Where to create the temporary file; null for <see cref="Path.GetTempPath"/>.</param>
    internal ConfidenceRecord(int memoryRows, string? spillFolder)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryRows, 1);
        MemoryRows = memoryRows;
        _blockSize = Math.Min(BlockSize, memoryRows);
        _spillFolder = spillFolder;
    }

    /// <summary>The number of rows recorded.</summary>
    public int Count { get; private set; }

    /// <summary>How many rows are held in memory at most.</summary>
    internal int MemoryRows { get; }

    /// <summary>The number of rows held in memory: the last ones recorded, in recording order.</summary>
    internal int InMemoryCount { get; private set; }

    /// <summary>Whether sorted runs were written to the temporary file; if not, every row is in memory.</summary>
    internal bool HasSpilled => _runLengths.Count > 0;

    /// <summary>The lengths of the sorted runs in the temporary file, in recording order.</summary>
    internal IReadOnlyList<int> RunLengths => _runLengths;

    /// <summary>Records one labelled row.</summary>
    /// <param name="confidence">Its top-label confidence, non-negative.</param>
    /// <param name="hit">Whether its most probable class is its label.</param>
    /// <exception cref="IOException">The temporary file could not be created or written; the message names its folder.</exception>
    public void Add(double confidence, bool hit)
    {
        int block = InMemoryCount / _blockSize;
        if (block == _blocks.Count)
        {
            _blocks.Add(new double[_blockSize]);
        }

        _blocks[block][InMemoryCount % _blockSize] = hit ? -confidence : confidence;
        Count = checked(Count + 1);
        InMemoryCount++;

        // At or (after a failed write, retried here) above the limit.
        if (InMemoryCount >= MemoryRows)
        {
            Spill();
        }
    }

    /// <summary>The confidence of in-memory row <paramref name="i"/> (in recording order).</summary>
    public double Confidence(int i) => Math.Abs(Packed(i));

    /// <summary>Whether in-memory row <paramref name="i"/> (in recording order) is a hit.</summary>
    public bool Hit(int i) => double.IsNegative(Packed(i));

    /// <summary>The packed value (confidence, negated for a hit) of in-memory row <paramref name="i"/>.</summary>
    internal double Packed(int i) => _blocks[i / _blockSize][i % _blockSize];

    /// <summary>
    /// Sorts the in-memory rows stably by confidence (rows with equal confidence keep their recording order) and
    /// writes their packed values, in that order, to <paramref name="destination"/>.
    /// </summary>
    /// <param name="destination">At least <see cref="InMemoryCount"/> long.</param>
    internal void SortInMemory(Span<double> destination)
    {
        int n = InMemoryCount;
        double[] keys = new double[n];
        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            keys[i] = Confidence(i);
            order[i] = i;
        }

        SortStably(keys, order, n);

        for (int j = 0; j < n; j++)
        {
            destination[j] = Packed(order[j]);
        }
    }

    /// <summary>
    /// Sorts the first <paramref name="n"/> <paramref name="keys"/> ascending, carrying <paramref name="order"/>
    /// (the rows' recording indices, ascending on entry) along, stably: an unstable sort of primitives, then each
    /// run of equal keys put back in recording order. The in-memory and spilled adaptive ECE both sort this way, so
    /// they cut their bins at the same rows.
    /// </summary>
    /// <param name="keys">The confidences; at least <paramref name="n"/> long.</param>
    /// <param name="order">The row indices; at least <paramref name="n"/> long.</param>
    /// <param name="n">The rows to sort.</param>
    internal static void SortStably(double[] keys, int[] order, int n)
    {
        Array.Sort(keys, order, 0, n);
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                Array.Sort(order, start, end - start);
            }

            start = end;
        }
    }

    /// <summary>Reads packed values of the temporary file, starting at value <paramref name="index"/>.</summary>
    /// <param name="index">The first value to read, counted from the file's start.</param>
    /// <param name="destination">Filled completely.</param>
    internal void ReadSpilled(long index, Span<double> destination)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        long offset = index * sizeof(double);
        while (bytes.Length > 0)
        {
            int read = RandomAccess.Read(_file!, bytes, offset);
            if (read <= 0)
            {
                throw new IOException("the temporary file of adaptive ECE's sorted runs ended early.");
            }

            bytes = bytes[read..];
            offset += read;
        }
    }

    /// <summary>Closes (and so deletes) the temporary file, if any.</summary>
    public void Dispose() => _file?.Dispose();

    private void Spill()
    {
        string folder = _spillFolder ?? Path.GetTempPath();
        try
        {
            if (_file is null)
            {
                string path = Path.Combine(folder, $"mhc-aece-{Guid.NewGuid():N}.tmp");
                _file = File.OpenHandle(
                    path,
                    FileMode.CreateNew,
                    FileAccess.ReadWrite,
                    FileShare.None,
                    OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
                if (!OperatingSystem.IsWindows())
                {
                    File.Delete(path);
                }
            }

            double[] sorted = new double[InMemoryCount];
            SortInMemory(sorted);
            RandomAccess.Write(_file, MemoryMarshal.AsBytes(sorted.AsSpan()), _fileLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException(
                $"adaptive ECE could not write its sorted confidences (8 bytes per labelled row) to a temporary file in '{folder}': {e.Message}",
                e);
        }

        _fileLength += (long)InMemoryCount * sizeof(double);
        _runLengths.Add(InMemoryCount);
        InMemoryCount = 0;
    }
}
