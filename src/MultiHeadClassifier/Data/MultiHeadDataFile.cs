using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Data;

/// <summary>
/// A compact, disk-backed training data file: write one with <see cref="Create"/> from your own rows, then train
/// from it with <see cref="Open"/>, whose source streams it in chunks so that memory does not grow with the rows.
/// </summary>
/// <remarks>
/// <para>Layout, format version 1 (<see cref="FormatVersion"/>), all integers and floats little-endian:</para>
/// <list type="number">
/// <item><description>bytes 0–7: the magic <c>MHCDATA</c> followed by a zero byte;</description></item>
/// <item><description>int32: the format version;</description></item>
/// <item><description>int32: the length L in bytes of the header fields that follow;</description></item>
/// <item><description>the header fields: int64 row count (−1 while the writer has not completed the file), int32 feature
/// count, int32 head count, then per head an int32 class count and its name as an int32 byte length and UTF-8 bytes;</description></item>
/// <item><description>32 bytes: the SHA-256 of every byte before it (magic, version, L and the header fields);</description></item>
/// <item><description>the rows, one fixed-size record each: the features as float32, then the labels as int16 (−1 for a missing label).</description></item>
/// </list>
/// <para>What a reader checks: the magic, the version, the header checksum, that the header is self-consistent
/// and in bounds, that the file was completed, and that its length is exactly the header plus rows × record size
/// (so a truncated or extended file is refused when it is opened). The rows themselves are not checksummed (that
/// would mean reading a huge file twice); every row read is checked instead: each feature must be finite and each
/// label −1 or a class index of its head. Every failure is an <see cref="InvalidDataException"/> naming the file.</para>
/// </remarks>
public static class MultiHeadDataFile
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The most classes a head can have in this format (labels are stored as int16).</summary>
    public const int MaxClassCount = short.MaxValue;

    internal const string Kind = "training data";

    internal const int HashLength = 32;

    internal const int PrefixLength = 16;

    private const int MaxHeaderLength = 16 << 20;

    private static readonly byte[] Magic = "MHCDATA\0"u8.ToArray();

    /// <summary>Creates (or overwrites) a data file and returns a writer for its rows.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="featureCount">The number of features per row; at least 1.</param>
    /// <param name="headNames">The label columns' names, in column order; unique and not blank. May be empty for unlabelled data.</param>
    /// <param name="classCounts">Each head's number of classes, in the same order; each 1 to <see cref="MaxClassCount"/>.</param>
    /// <returns>The writer; call <see cref="MultiHeadDataFileWriter.Complete"/> when every row is appended.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The feature count, names or class counts are invalid.</exception>
    /// <exception cref="IOException">The file cannot be created.</exception>
    public static MultiHeadDataFileWriter Create(string path, int featureCount, IReadOnlyList<string> headNames, IReadOnlyList<int> classCounts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(headNames);
        ArgumentNullException.ThrowIfNull(classCounts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (headNames.Count != classCounts.Count)
        {
            throw new ArgumentException($"{headNames.Count} head names were given with {classCounts.Count} class counts; give one class count per head.", nameof(classCounts));
        }

        for (int h = 0; h < headNames.Count; h++)
        {
            if (string.IsNullOrWhiteSpace(headNames[h]))
            {
                throw new ArgumentException($"Head name {h} is empty.", nameof(headNames));
            }

            if (headNames.Take(h).Contains(headNames[h], StringComparer.Ordinal))
            {
                throw new ArgumentException($"Head name '{headNames[h]}' is given twice; head names must be unique.", nameof(headNames));
            }

            if (classCounts[h] < 1 || classCounts[h] > MaxClassCount)
            {
                throw new ArgumentException($"Head '{headNames[h]}' has {classCounts[h]} classes; a data file holds 1 to {MaxClassCount}.", nameof(classCounts));
            }
        }

        var layout = new DataFileLayout(featureCount, [.. headNames], [.. classCounts]);
        return new MultiHeadDataFileWriter(path, layout);
    }

    /// <summary>Opens a data file as a streaming batch source for <c>MultiHeadTrainer.Fit</c> and <c>Resume</c>.</summary>
    /// <param name="path">The file, written by <see cref="Create"/>.</param>
    /// <param name="options">Batch size, shuffling and chunk size; null for the defaults of <see cref="MultiHeadDataFileOptions"/>.</param>
    /// <returns>The source; dispose it to close the file.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a data file, is of an unknown version, is truncated, incomplete or corrupt; the message names it.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static MultiHeadDataFileSource Open(string path, MultiHeadDataFileOptions? options = null) =>
        new(path, options ?? new MultiHeadDataFileOptions());

    /// <summary>Encodes the header (magic to checksum, inclusive) for <paramref name="rows"/> rows.</summary>
    internal static byte[] EncodeHeader(DataFileLayout layout, long rows)
    {
        using var fields = new MemoryStream();
        using (var writer = new BinaryWriter(fields, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(rows);
            writer.Write(layout.FeatureCount);
            writer.Write(layout.HeadNames.Length);
            for (int h = 0; h < layout.HeadNames.Length; h++)
            {
                writer.Write(layout.ClassCounts[h]);
                byte[] name = Encoding.UTF8.GetBytes(layout.HeadNames[h]);
                writer.Write(name.Length);
                writer.Write(name);
            }
        }

        var header = new byte[PrefixLength + fields.Length + HashLength];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), (int)fields.Length);
        fields.GetBuffer().AsSpan(0, (int)fields.Length).CopyTo(header.AsSpan(PrefixLength));
        int hashed = header.Length - HashLength;
        SHA256.HashData(header.AsSpan(0, hashed), header.AsSpan(hashed));
        return header;
    }

    /// <summary>Reads and checks the header of an open file.</summary>
    /// <returns>The layout, the row count and the offset of the first row.</returns>
    internal static (DataFileLayout Layout, long Rows, long DataStart) ReadHeader(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path)
    {
        long length = RandomAccess.GetLength(handle);
        var prefix = new byte[PrefixLength];
        if (RandomAccess.Read(handle, prefix, 0) < PrefixLength)
        {
            throw FileSections.Truncated(path, null, "header");
        }

        if (!prefix.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' is not a MultiHeadClassifier {Kind} file (it does not start with 'MHCDATA').");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(prefix.AsSpan(8));
        if (version != FormatVersion)
        {
            throw new InvalidDataException(
                $"'{path}' has {Kind} format version {version}, but this library ({LibraryInfo.Version}) reads version {FormatVersion}. "
                + (version > FormatVersion ? "Upgrade the MultiHeadClassifier package to read it." : "Write it again with this version."));
        }

        int fieldsLength = BinaryPrimitives.ReadInt32LittleEndian(prefix.AsSpan(12));
        if (fieldsLength < 16 || fieldsLength > MaxHeaderLength || PrefixLength + (long)fieldsLength + HashLength > length)
        {
            throw FileSections.Truncated(path, null, "header");
        }

        var header = new byte[PrefixLength + fieldsLength + HashLength];
        if (RandomAccess.Read(handle, header, 0) < header.Length)
        {
            throw FileSections.Truncated(path, null, "header");
        }

        int hashed = header.Length - HashLength;
        if (!SHA256.HashData(header.AsSpan(0, hashed)).AsSpan().SequenceEqual(header.AsSpan(hashed)))
        {
            throw new InvalidDataException($"'{path}' is truncated or corrupt: its header checksum does not match its header. Write it again.");
        }

        var (layout, rows) = ParseFields(header.AsSpan(PrefixLength, fieldsLength).ToArray(), path);
        long dataStart = header.Length;
        if (rows < 0)
        {
            throw new InvalidDataException($"'{path}' is an incomplete {Kind} file: its writer was not completed. Write it again and call Complete.");
        }

        if (rows == 0)
        {
            throw FileSections.Invalid(path, Kind + " file", "it holds no rows");
        }

        long expected = rows > (long.MaxValue - dataStart) / layout.RecordSize ? -1 : dataStart + (rows * layout.RecordSize);
        if (expected != length)
        {
            throw expected > length || expected < 0
                ? new InvalidDataException($"'{path}' is truncated or corrupt: its header declares {rows:N0} rows ({expected:N0} bytes), but the file has {length:N0} bytes.")
                : new InvalidDataException($"'{path}' is corrupt: {length - expected:N0} bytes follow its last row.");
        }

        return (layout, rows, dataStart);
    }

    private static (DataFileLayout Layout, long Rows) ParseFields(byte[] fields, string path)
    {
        using var reader = new BinaryReader(new MemoryStream(fields, writable: false), Encoding.UTF8);
        try
        {
            long rows = reader.ReadInt64();
            int featureCount = reader.ReadInt32();
            int heads = reader.ReadInt32();
            if (featureCount < 1 || featureCount > (1 << 24))
            {
                throw FileSections.Invalid(path, Kind + " file", $"its feature count is {featureCount}");
            }

            if (heads < 0 || heads > fields.Length)
            {
                throw FileSections.Invalid(path, Kind + " file", $"its head count is {heads}");
            }

            var names = new string[heads];
            var classes = new int[heads];
            for (int h = 0; h < heads; h++)
            {
                classes[h] = reader.ReadInt32();
                if (classes[h] < 1 || classes[h] > MaxClassCount)
                {
                    throw FileSections.Invalid(path, Kind + " file", $"head {h} has {classes[h]} classes");
                }

                int nameLength = reader.ReadInt32();
                names[h] = Encoding.UTF8.GetString(FileSections.ReadExactly(reader, nameLength, path, "header"));
                if (string.IsNullOrWhiteSpace(names[h]) || names.Take(h).Contains(names[h], StringComparer.Ordinal))
                {
                    throw FileSections.Invalid(path, Kind + " file", $"head {h}'s name '{names[h]}' is blank or repeated");
                }
            }

            FileSections.RequireEnd(reader, path, Kind + " file header");
            return (new DataFileLayout(featureCount, names, classes), rows);
        }
        catch (EndOfStreamException e)
        {
            throw FileSections.Truncated(path, e, "header");
        }
    }
}

/// <summary>The shape of a data file's rows.</summary>
/// <param name="FeatureCount">Features per row.</param>
/// <param name="HeadNames">The label columns' names.</param>
/// <param name="ClassCounts">Each head's class count.</param>
internal sealed record DataFileLayout(int FeatureCount, string[] HeadNames, int[] ClassCounts)
{
    /// <summary>Bytes per row: float32 features then int16 labels.</summary>
    public int RecordSize => (FeatureCount * sizeof(float)) + (HeadNames.Length * sizeof(short));
}
