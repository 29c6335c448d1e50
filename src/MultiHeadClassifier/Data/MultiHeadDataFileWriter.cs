using System.Buffers.Binary;
using System.Globalization;

namespace MultiHeadClassifier.Data;

/// <summary>
/// Appends rows to a data file created by <see cref="MultiHeadDataFile.Create"/>. Rows are buffered and written in
/// blocks, so memory does not grow with the rows. The file is readable only after <see cref="Complete"/>; disposing
/// the writer without completing it deletes the partial file. Not thread-safe.
/// </summary>
public sealed class MultiHeadDataFileWriter : IDisposable
{
    private const int BufferBytes = 1 << 20;

    private readonly string _path;
    private readonly DataFileLayout _layout;
    private readonly FileStream _stream;
    private readonly byte[] _buffer;
    private int _buffered;
    private bool _completed;
    private bool _disposed;

    internal MultiHeadDataFileWriter(string path, DataFileLayout layout)
    {
        _path = path;
        _layout = layout;
        _buffer = new byte[Math.Max(BufferBytes, layout.RecordSize)];
        _stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1);
        _stream.Write(MultiHeadDataFile.EncodeHeader(layout, -1));
    }

    /// <summary>The number of rows appended so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>Appends one row.</summary>
    /// <param name="features">The row's features; as many as the file's feature count, each finite.</param>
    /// <param name="labels">The row's labels, one per head: a class index, or −1 (<see cref="MultiHeadDataset.MissingLabel"/>) when missing.</param>
    /// <exception cref="ArgumentException">The row's width is wrong, a feature is NaN or infinite, or a label is out of its head's range; the message names the row.</exception>
    /// <exception cref="InvalidOperationException">The writer is completed.</exception>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    public void Append(ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        ThrowIfClosed();
        CheckRow(features, labels, RowCount);
        if (_buffered + _layout.RecordSize > _buffer.Length)
        {
            Flush();
        }

        var record = _buffer.AsSpan(_buffered, _layout.RecordSize);
        for (int f = 0; f < features.Length; f++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(record[(f * sizeof(float))..], features[f]);
        }

        int labelStart = features.Length * sizeof(float);
        for (int h = 0; h < labels.Length; h++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(record[(labelStart + (h * sizeof(short)))..], (short)labels[h]);
        }

        _buffered += _layout.RecordSize;
        RowCount++;
    }

    /// <summary>Appends one row.</summary>
    /// <param name="features">The row's features.</param>
    /// <param name="labels">The row's labels, one per head, −1 for missing.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Append(ReadOnlySpan{float}, ReadOnlySpan{int})"/>.</exception>
    public void Append(float[] features, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        Append(features.AsSpan(), labels.AsSpan());
    }

    /// <summary>Appends every row of a dataset, in order.</summary>
    /// <param name="data">Labelled rows with the file's feature count and heads; when it has head names, they must be the file's, in order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentException">The dataset's shape or head names differ from the file's, or a label is out of its head's range.</exception>
    public void Append(MultiHeadDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ThrowIfClosed();
        if (data.FeatureCount != _layout.FeatureCount || data.HeadCount != _layout.HeadNames.Length)
        {
            throw new ArgumentException(
                $"The dataset has {data.FeatureCount} features and {data.HeadCount} label columns, but the file has {_layout.FeatureCount} and {_layout.HeadNames.Length}.", nameof(data));
        }

        if (data.HeadNames is { } names && !names.SequenceEqual(_layout.HeadNames, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"The dataset's heads are [{string.Join(", ", names)}], but the file's are [{string.Join(", ", _layout.HeadNames)}].", nameof(data));
        }

        for (int r = 0; r < data.RowCount; r++)
        {
            Append(data.Features.Slice(r * data.FeatureCount, data.FeatureCount), data.Labels.Slice(r * data.HeadCount, data.HeadCount));
        }
    }

    /// <summary>Writes the buffered rows and the final header; the file is then readable with <see cref="MultiHeadDataFile.Open"/>.</summary>
    /// <exception cref="InvalidOperationException">No row was appended, or the writer is already completed.</exception>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    public void Complete()
    {
        ThrowIfClosed();
        if (RowCount == 0)
        {
            throw new InvalidOperationException($"No rows were appended to '{_path}'; a data file needs at least one row.");
        }

        Flush();
        _stream.Position = 0;
        _stream.Write(MultiHeadDataFile.EncodeHeader(_layout, RowCount));
        _stream.Flush(flushToDisk: false);
        _completed = true;
        _stream.Dispose();
    }

    /// <summary>Closes the file; when <see cref="Complete"/> was not called, deletes it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stream.Dispose();
        if (!_completed)
        {
            File.Delete(_path);
        }
    }

    private void CheckRow(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, long row)
    {
        if (features.Length != _layout.FeatureCount)
        {
            throw new ArgumentException($"Row {row} has {features.Length} features, but the file has {_layout.FeatureCount}.", nameof(features));
        }

        if (labels.Length != _layout.HeadNames.Length)
        {
            throw new ArgumentException($"Row {row} has {labels.Length} labels, but the file has {_layout.HeadNames.Length} heads.", nameof(labels));
        }

        for (int f = 0; f < features.Length; f++)
        {
            if (!float.IsFinite(features[f]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Feature value at row {row}, column {f} is {features[f]}; features must be finite numbers."), nameof(features));
            }
        }

        for (int h = 0; h < labels.Length; h++)
        {
            if (labels[h] < MultiHeadDataset.MissingLabel || labels[h] >= _layout.ClassCounts[h])
            {
                throw new ArgumentException(
                    $"Label {labels[h]} at row {row} for head '{_layout.HeadNames[h]}' is invalid; it has classes 0..{_layout.ClassCounts[h] - 1}, or -1 for missing.", nameof(labels));
            }
        }
    }

    private void Flush()
    {
        _stream.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }

    private void ThrowIfClosed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException($"The data file '{_path}' is already completed.");
        }
    }
}
