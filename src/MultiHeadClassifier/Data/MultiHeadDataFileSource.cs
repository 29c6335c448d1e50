using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Data;

/// <summary>
/// An <see cref="IMultiHeadBatchSource"/> over a data file written with <see cref="MultiHeadDataFile.Create"/>. It
/// reads the file in chunks of <see cref="MultiHeadDataFileOptions.ChunkRows"/> rows, so memory holds one chunk and
/// one batch whatever the number of rows. Open it with <see cref="MultiHeadDataFile.Open"/>.
/// </summary>
/// <remarks>
/// <para>Order: epoch 0 (the trainer's statistics pass), and every epoch when
/// <see cref="MultiHeadDataFileOptions.Shuffle"/> is false, read the rows in file order. Otherwise epoch e draws, from
/// a SplitMix64 generator seeded with <see cref="MultiHeadDataFileOptions.Seed"/> and e, a Fisher–Yates permutation
/// of the chunks, then, chunk by chunk in that order, a permutation of the chunk's rows. Batches are consecutive
/// <see cref="MultiHeadDataFileOptions.BatchSize"/> rows of that sequence (they may span two chunks); the last is
/// smaller when the rows do not divide evenly. The same file, options and epoch always give the same batches, which
/// is what makes checkpoint and resume exact.</para>
/// <para>Read-ahead: a background thread reads and decodes up to four batches ahead of the trainer. When a pass has
/// decoded its last chunk, the same chunk buffer is used to read, in the background, the first chunk of the next
/// epoch (its order is fixed by seed and epoch), so that the next pass starts without waiting for a whole chunk; memory
/// still holds one chunk per pass. That read is dropped, and the buffer reused, when the next pass is for another
/// epoch, when a pass is left early, and when the source is disposed.</para>
/// <para>Every row read is checked (finite features, labels in range); a bad value, or a file that shrank after it
/// was opened, is an <see cref="InvalidDataException"/> naming the file and row. Enumerations may run concurrently;
/// each has its own buffers.</para>
/// </remarks>
public sealed class MultiHeadDataFileSource : ICheckedBatchSource, IDisposable
{
    /// <summary>Batches read ahead of the trainer.</summary>
    private const int PrefetchBatches = 4;

    /// <summary>Recycled batch arrays kept at most: enough for the read-ahead queue and the batch in training.</summary>
    private const int MaxRecycled = PrefetchBatches + 4;

    private readonly SafeFileHandle _handle;
    private readonly DataFileLayout _layout;
    private readonly MultiHeadDataFileOptions _options;
    private readonly long _dataStart;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(float[] Features, int[] Labels)> _recycled = new();
    private byte[]? _spareChunk;
    private NextEpochRead? _nextEpoch;
    private int _nextEpochReadsUsed;
    private int _nextEpochReadsDropped;

    internal MultiHeadDataFileSource(string path, MultiHeadDataFileOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Training data file '{path}' does not exist.", path);
        }

        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            (_layout, RowCount, _dataStart) = MultiHeadDataFile.ReadHeader(_handle, path);
            if ((RowCount + options.ChunkRows - 1) / options.ChunkRows > Array.MaxLength)
            {
                throw new ArgumentException($"ChunkRows {options.ChunkRows} gives more chunks than an array holds for {RowCount:N0} rows; use larger chunks.", nameof(options));
            }
        }
        catch
        {
            _handle.Dispose();
            throw;
        }

        Path = path;
        _options = options;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The number of rows in the file.</summary>
    public long RowCount { get; }

    /// <summary>The number of features per row.</summary>
    public int FeatureCount => _layout.FeatureCount;

    /// <summary>The label columns' names, in column order.</summary>
    public IReadOnlyList<string> HeadNames => _layout.HeadNames;

    /// <summary>Each head's number of classes, as declared when the file was created.</summary>
    public IReadOnlyList<int> ClassCounts => _layout.ClassCounts;

    /// <summary>The options the source was opened with.</summary>
    public MultiHeadDataFileOptions Options => _options;

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">A row read is corrupt, or the file shrank; the message names the file.</exception>
    /// <exception cref="ObjectDisposedException">The source is disposed.</exception>
    public IEnumerable<MultiHeadDataset> GetBatches(int epoch)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return Prefetched(epoch);
    }

    /// <summary>
    /// Takes back a full batch this source returned, whose caller holds no reference to it any more, so that a later
    /// batch reuses its arrays instead of allocating new ones. Batches of another size are ignored.
    /// </summary>
    /// <param name="batch">The batch; it must not be used afterwards.</param>
    void ICheckedBatchSource.Recycle(MultiHeadDataset batch)
    {
        int capacity = (int)Math.Min(_options.BatchSize, RowCount);
        var (features, labels) = batch.RowMajorArrays;
        if (features.Length == capacity * _layout.FeatureCount && labels.Length == capacity * _layout.HeadNames.Length && _recycled.Count < MaxRecycled)
        {
            _recycled.Enqueue((features, labels));
        }
    }

    /// <summary>The next epoch's first chunk being read ahead, if any: its epoch and the read (for tests).</summary>
    internal (int Epoch, Task Read)? PendingNextEpochRead => _nextEpoch is { } next ? (next.Epoch, next.Read) : null;

    /// <summary>How many passes started from a chunk read ahead at the end of the previous pass (for tests).</summary>
    internal int NextEpochReadsUsed => Volatile.Read(ref _nextEpochReadsUsed);

    /// <summary>How many chunks read ahead for a next epoch were dropped unused (for tests).</summary>
    internal int NextEpochReadsDropped => Volatile.Read(ref _nextEpochReadsDropped);

    /// <summary>Stops any read ahead of the next epoch, then closes the file.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _nextEpoch, null)?.Drop();
        _handle.Dispose();
    }

    /// <summary>
    /// The batches of <see cref="Enumerate"/>, read and decoded on a background thread up to
    /// <see cref="PrefetchBatches"/> ahead of the consumer, so that reading overlaps training. The order is
    /// <see cref="Enumerate"/>'s; an error while reading surfaces at the batch where it happened; leaving the loop
    /// early stops the reader.
    /// </summary>
    private IEnumerable<MultiHeadDataset> Prefetched(int epoch)
    {
        using var stop = new CancellationTokenSource();
        using var queue = new System.Collections.Concurrent.BlockingCollection<MultiHeadDataset>(PrefetchBatches);
        Exception? failure = null;
        bool finished = false;
        var pass = new object();
        var reader = Task.Run(() =>
        {
            try
            {
                foreach (var batch in Enumerate(epoch, pass))
                {
                    queue.Add(batch, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
            {
                yield return batch;
            }

            reader.Wait();
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            finished = true;
        }
        finally
        {
            stop.Cancel();
            reader.Wait();
            if (!finished)
            {
                // The pass was left early (or failed): the trainer is not about to ask for the next epoch.
                DropNextEpochRead(pass);
            }
        }
    }

    private IEnumerable<MultiHeadDataset> Enumerate(int epoch, object pass)
    {
        int chunkRows = _options.ChunkRows;
        var random = new SplitMix64(_options.Seed, epoch);
        int[] chunkOrder = ChunkOrder(epoch, ref random);
        bool shuffle = _options.Shuffle && epoch > 0;
        int record = _layout.RecordSize;
        var (buffer, readAhead) = TakeFirstChunk(epoch, chunkOrder[0], (int)Math.Min(chunkRows, RowCount) * record);
        var batch = new BatchBuilder(_layout, (int)Math.Min(_options.BatchSize, RowCount), _recycled);
        foreach (int chunk in chunkOrder)
        {
            long first = (long)chunk * chunkRows;
            int rows = (int)Math.Min(chunkRows, RowCount - first);
            if (!readAhead)
            {
                ReadChunk(buffer.AsSpan(0, rows * record), _dataStart + (first * record), CancellationToken.None);
            }

            readAhead = false;
            int[] rowOrder = Order(rows, shuffle, ref random);
            foreach (int r in rowOrder)
            {
                Decode(buffer.AsSpan(r * record, record), first + r, batch);
                if (batch.IsFull)
                {
                    yield return batch.Take();
                }
            }
        }

        if (batch.Count > 0)
        {
            yield return batch.Take();
        }

        StartNextEpochRead(epoch + 1, pass, buffer);
    }

    /// <summary>Epoch <paramref name="epoch"/>'s chunk order, drawn first from the epoch's generator.</summary>
    private int[] ChunkOrder(int epoch, ref SplitMix64 random)
    {
        int chunks = (int)((RowCount + _options.ChunkRows - 1) / _options.ChunkRows);
        return Order(chunks, _options.Shuffle && epoch > 0, ref random);
    }

    /// <summary>
    /// The buffer for a pass's first chunk: the next-epoch read's, already holding <paramref name="chunk"/> when it
    /// read that epoch's first chunk in full (then <c>Loaded</c> is true), else a free buffer. A read ahead for
    /// another epoch, or one that failed, is dropped: the pass reads the chunk itself, and meets any error there.
    /// </summary>
    private (byte[] Buffer, bool Loaded) TakeFirstChunk(int epoch, int chunk, int length)
    {
        var next = Interlocked.Exchange(ref _nextEpoch, null);
        if (next is null)
        {
            return (TakeChunkBuffer(length), false);
        }

        if (next.Epoch == epoch && next.Chunk == chunk && next.Read.GetAwaiter().GetResult())
        {
            next.Dispose();
            Interlocked.Increment(ref _nextEpochReadsUsed);
            return (next.Buffer, true);
        }

        next.Drop();
        Interlocked.Increment(ref _nextEpochReadsDropped);
        return (next.Buffer.Length == length ? next.Buffer : TakeChunkBuffer(length), false);
    }

    /// <summary>
    /// Starts reading epoch <paramref name="epoch"/>'s first chunk into <paramref name="buffer"/>, which the pass that
    /// ends here no longer needs, so that the next pass finds it read.
    /// </summary>
    private void StartNextEpochRead(int epoch, object pass, byte[] buffer)
    {
        if (_handle.IsClosed || epoch == int.MaxValue)
        {
            _spareChunk = buffer;
            return;
        }

        var random = new SplitMix64(_options.Seed, epoch);
        int chunk = ChunkOrder(epoch, ref random)[0];
        long first = (long)chunk * _options.ChunkRows;
        int length = (int)Math.Min(_options.ChunkRows, RowCount - first) * _layout.RecordSize;
        var stop = new CancellationTokenSource();
        var token = stop.Token;
        var read = Task.Run(() =>
        {
            try
            {
                ReadChunk(buffer.AsSpan(0, length), _dataStart + (first * _layout.RecordSize), token);
                return true;
            }
            catch (Exception)
            {
                // Dropped, or the file changed or closed: the next pass reads the chunk itself and reports it.
                return false;
            }
        });
        var previous = Interlocked.Exchange(ref _nextEpoch, new NextEpochRead(epoch, chunk, pass, buffer, stop, read));
        if (previous is not null)
        {
            previous.Drop();
            Interlocked.Increment(ref _nextEpochReadsDropped);
        }
    }

    /// <summary>Drops the next-epoch read started by <paramref name="pass"/>, if it is still pending.</summary>
    private void DropNextEpochRead(object pass)
    {
        var next = Volatile.Read(ref _nextEpoch);
        if (next is not null && ReferenceEquals(next.Pass, pass) && Interlocked.CompareExchange(ref _nextEpoch, null, next) == next)
        {
            next.Drop();
            Interlocked.Increment(ref _nextEpochReadsDropped);
            _spareChunk = next.Buffer;
        }
    }

    /// <summary>
    /// The chunk buffer an earlier pass left, when it is free and of the right size, else a new one: reading a chunk
    /// overwrites it whole, so it is neither zeroed nor, for consecutive epochs, allocated and faulted in again.
    /// </summary>
    private byte[] TakeChunkBuffer(int length)
    {
        var spare = Interlocked.Exchange(ref _spareChunk, null);
        return spare is { } b && b.Length == length ? b : GC.AllocateUninitializedArray<byte>(length);
    }

    private static int[] Order(int count, bool shuffle, ref SplitMix64 random)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        if (shuffle)
        {
            for (int i = count - 1; i > 0; i--)
            {
                int j = random.Below(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }

        return order;
    }

    private void ReadChunk(Span<byte> destination, long offset, CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        int done = 0;
        while (done < destination.Length)
        {
            cancel.ThrowIfCancellationRequested();
            // Pieces of at most 4 MB, so that a dropped read ahead stops soon.
            int read = RandomAccess.Read(_handle, destination.Slice(done, Math.Min(destination.Length - done, 1 << 22)), offset + done);
            if (read == 0)
            {
                throw new InvalidDataException($"'{Path}' is truncated: it ended at byte {offset + done:N0} while rows were being read; it was changed after it was opened.");
            }

            done += read;
        }
    }

    private void Decode(ReadOnlySpan<byte> record, long row, BatchBuilder batch)
    {
        int width = _layout.FeatureCount;
        var features = batch.FeatureRow();
        MemoryMarshal.Cast<byte, float>(record[..(width * sizeof(float))]).CopyTo(features);
        if (!BitConverter.IsLittleEndian)
        {
            for (int f = 0; f < width; f++)
            {
                features[f] = BinaryPrimitives.ReadSingleLittleEndian(record[(f * sizeof(float))..]);
            }
        }

        int bad = FiniteValues.IndexOfNonFinite(features);
        if (bad >= 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"'{Path}' is corrupt: row {row}, feature {bad} is {features[bad]}; features must be finite numbers."));
        }

        var labels = batch.LabelRow();
        for (int h = 0; h < labels.Length; h++)
        {
            int label = BinaryPrimitives.ReadInt16LittleEndian(record[((width * sizeof(float)) + (h * sizeof(short)))..]);
            if (label < MultiHeadDataset.MissingLabel || label >= _layout.ClassCounts[h])
            {
                throw new InvalidDataException(
                    $"'{Path}' is corrupt: row {row}, head '{_layout.HeadNames[h]}' has label {label}; its classes are 0..{_layout.ClassCounts[h] - 1}, or -1 for missing.");
            }

            labels[h] = label;
        }

        batch.Advance();
    }

    /// <summary>Fills one batch's row-major arrays; <see cref="Take"/> hands them to a dataset and starts new ones.</summary>
    private sealed class BatchBuilder
    {
        private readonly DataFileLayout _layout;
        private readonly int _capacity;
        private readonly System.Collections.Concurrent.ConcurrentQueue<(float[] Features, int[] Labels)> _recycled;
        private float[] _features;
        private int[] _labels;

        public BatchBuilder(DataFileLayout layout, int capacity, System.Collections.Concurrent.ConcurrentQueue<(float[] Features, int[] Labels)> recycled)
        {
            _layout = layout;
            _capacity = capacity;
            _recycled = recycled;
            (_features, _labels) = NewArrays();
        }

        public int Count { get; private set; }

        public bool IsFull => Count == _capacity;

        public Span<float> FeatureRow() => _features.AsSpan(Count * _layout.FeatureCount, _layout.FeatureCount);

        public Span<int> LabelRow() => _labels.AsSpan(Count * _layout.HeadNames.Length, _layout.HeadNames.Length);

        public void Advance() => Count++;

        public MultiHeadDataset Take()
        {
            int width = _layout.FeatureCount;
            int heads = _layout.HeadNames.Length;
            float[] features = Count == _capacity ? _features : _features.AsSpan(0, Count * width).ToArray();
            int[] labels = Count == _capacity ? _labels : _labels.AsSpan(0, Count * heads).ToArray();
            // Decode checked every value (finite features, labels in their heads' ranges): no second scan.
            var data = MultiHeadDataset.FromCheckedRowMajor(features, labels, Count, width, heads, heads == 0 ? null : _layout.HeadNames);
            (_features, _labels) = NewArrays();
            Count = 0;
            return data;
        }

        /// <summary>
        /// Arrays handed back through <see cref="ICheckedBatchSource.Recycle"/> when there are any, else new ones; every element is
        /// written before a batch is handed out, so new arrays need not be zeroed.
        /// </summary>
        private (float[] Features, int[] Labels) NewArrays() =>
            _recycled.TryDequeue(out var arrays)
                ? arrays
                : (GC.AllocateUninitializedArray<float>(_capacity * _layout.FeatureCount), GC.AllocateUninitializedArray<int>(_capacity * _layout.HeadNames.Length));
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014): a small generator whose sequence is fixed by this code alone.</summary>
    private struct SplitMix64(long seed, int epoch)
    {
        private ulong _state = unchecked(((ulong)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)epoch * 0xD1B54A32D192ED03UL) ^ 0x5851F42D4C957F2DUL);

        /// <summary>A uniform integer in [0, <paramref name="bound"/>), by rejection so that it is unbiased.</summary>
        public int Below(int bound)
        {
            ulong limit = ulong.MaxValue - (ulong.MaxValue % (ulong)bound);
            ulong value;
            do
            {
                value = Next();
            }
            while (value >= limit);
            return (int)(value % (ulong)bound);
        }

        private ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
