using System.Security.Cryptography;

namespace MultiHeadClassifier.Internal;

/// <summary>
/// The framing shared by the library's binary files: an 8-byte magic, an int32 format version, a payload of
/// length-prefixed sections, and the SHA-256 of the payload. The checksum is verified before any byte of the
/// payload is interpreted, so a truncated or corrupted file gives an <see cref="InvalidDataException"/> naming
/// the file, never garbage weights. It does not stop an edit made on purpose, since whoever edits a file can
/// recompute it: each format's reader also checks that what the payload says is self-consistent and within bounds
/// before libtorch sees any of it (<see cref="StateDict.ReadDeclarations"/>, <see cref="GeneratorState"/>).
/// </summary>
internal static class FileSections
{
    private const int ChecksumLength = 32;

    /// <summary>Opens an existing file for reading, or says which kind of file is missing.</summary>
    /// <param name="path">The file.</param>
    /// <param name="kind">What the file is, e.g. "Model" or "Checkpoint", for the message.</param>
    /// <returns>A read-only stream.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static FileStream OpenExisting(string path, string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return File.Exists(path)
            ? File.OpenRead(path)
            : throw new FileNotFoundException($"{kind} file '{path}' does not exist.", path);
    }

    /// <summary>Writes the header, the payload produced by <paramref name="writePayload"/> and its checksum.</summary>
    public static void WriteChecked(Stream stream, ReadOnlySpan<byte> magic, int version, Action<BinaryWriter> writePayload)
    {
        using var payload = new MemoryStream();
        using (var payloadWriter = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writePayload(payloadWriter);
        }

        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        WriteHeader(writer, magic, version);
        var bytes = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        writer.Write(bytes);
        writer.Write(SHA256.HashData(bytes));
        writer.Flush();
    }

    /// <summary>
    /// Reads and checks the header, reads the rest of the stream, verifies its checksum and returns a reader over
    /// the payload.
    /// </summary>
    /// <returns>The format version and a reader positioned at the start of the payload.</returns>
    public static (int Version, BinaryReader Payload) ReadChecked(Stream stream, ReadOnlySpan<byte> magic, int oldest, int newest, string sourceName, string kind)
    {
        int version;
        using (var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            try
            {
                version = ReadHeader(reader, magic, oldest, newest, sourceName, kind);
            }
            catch (EndOfStreamException e)
            {
                throw Truncated(sourceName, e);
            }
        }

        if (stream.CanSeek && stream.Length - stream.Position > Array.MaxLength)
        {
            throw new InvalidDataException($"'{sourceName}' is {stream.Length:N0} bytes, more than a {kind} file can be; it is not one.");
        }

        var rest = new MemoryStream();
        stream.CopyTo(rest);
        byte[] all = rest.ToArray();
        if (all.Length < ChecksumLength
            || !SHA256.HashData(all.AsSpan(0, all.Length - ChecksumLength)).AsSpan().SequenceEqual(all.AsSpan(all.Length - ChecksumLength)))
        {
            throw new InvalidDataException($"'{sourceName}' is truncated or corrupt: its checksum does not match its content. Save it again.");
        }

        return (version, new BinaryReader(new MemoryStream(all, 0, all.Length - ChecksumLength, writable: false), System.Text.Encoding.UTF8));
    }

    /// <summary>Writes the magic and format version.</summary>
    private static void WriteHeader(BinaryWriter writer, ReadOnlySpan<byte> magic, int version)
    {
        writer.Write(magic);
        writer.Write(version);
    }

    /// <summary>Reads and checks the magic and format version.</summary>
    /// <param name="reader">The reader, at the start of the file.</param>
    /// <param name="magic">The expected magic.</param>
    /// <param name="oldest">The oldest version this library reads.</param>
    /// <param name="newest">The newest version this library reads.</param>
    /// <param name="sourceName">Names the file in messages.</param>
    /// <param name="kind">What the file is, e.g. "model" or "training checkpoint".</param>
    /// <returns>The version.</returns>
    private static int ReadHeader(BinaryReader reader, ReadOnlySpan<byte> magic, int oldest, int newest, string sourceName, string kind)
    {
        byte[] actual = reader.ReadBytes(magic.Length);
        if (!actual.AsSpan().SequenceEqual(magic))
        {
            throw new InvalidDataException(
                $"'{sourceName}' is not a MultiHeadClassifier {kind} file (it does not start with '{System.Text.Encoding.ASCII.GetString(magic)}').");
        }

        int version = reader.ReadInt32();
        if (version < oldest && version >= 1)
        {
            throw new InvalidDataException(
                $"'{sourceName}' has {kind} format version {version}, written by a pre-release build; this library ({LibraryInfo.Version}) reads versions {oldest} to {newest}. "
                + "Train or save it again with this version.");
        }

        if (version > newest || version < 1)
        {
            throw new InvalidDataException(
                $"'{sourceName}' has {kind} format version {version}, but this library ({LibraryInfo.Version}) reads versions {oldest} to {newest}. "
                + "Upgrade the MultiHeadClassifier package to load it.");
        }

        return version;
    }

    /// <summary>Writes an int64-length-prefixed section.</summary>
    public static void WriteSection(BinaryWriter writer, byte[] bytes)
    {
        writer.Write((long)bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>Reads an int64-length-prefixed section.</summary>
    public static byte[] ReadSection(BinaryReader reader, string sourceName, string part) =>
        ReadExactly(reader, reader.ReadInt64(), sourceName, part);

    /// <summary>Reads <paramref name="length"/> bytes after checking that the stream holds them.</summary>
    public static byte[] ReadExactly(BinaryReader reader, long length, string sourceName, string part)
    {
        var stream = reader.BaseStream;
        if (length < 0 || length > int.MaxValue || (stream.CanSeek && stream.Position + length > stream.Length))
        {
            throw Truncated(sourceName, null, part);
        }

        byte[] bytes = reader.ReadBytes((int)length);
        return bytes.Length == length ? bytes : throw Truncated(sourceName, null, part);
    }

    /// <summary>Checks that the payload has been read to its end: a section the format does not have is corruption, not padding.</summary>
    /// <param name="reader">The payload reader, after its last section.</param>
    /// <param name="sourceName">Names the file in the message.</param>
    /// <param name="kind">What the file holds, e.g. "model" or "checkpoint".</param>
    /// <exception cref="InvalidDataException">Bytes follow the last section.</exception>
    public static void RequireEnd(BinaryReader reader, string sourceName, string kind)
    {
        long left = reader.BaseStream.Length - reader.BaseStream.Position;
        if (left != 0)
        {
            throw Invalid(sourceName, kind, $"{left:N0} bytes follow its last section");
        }
    }

    /// <summary>The error for a file whose parts are well-framed but do not fit together.</summary>
    /// <param name="sourceName">Names the file.</param>
    /// <param name="kind">What the file holds, e.g. "model" or "checkpoint".</param>
    /// <param name="problem">What is wrong, naming the field, e.g. "Backbone.HiddenSizes[0] is 0".</param>
    /// <param name="inner">The exception that revealed it, if any.</param>
    /// <returns>The exception: "'run.mhcckpt' has an invalid checkpoint: …".</returns>
    public static InvalidDataException Invalid(string sourceName, string kind, string problem, Exception? inner = null) =>
        new($"'{sourceName}' has an invalid {kind}: {problem}.", inner);

    /// <summary>The error for a file that ends early.</summary>
    public static InvalidDataException Truncated(string sourceName, Exception? inner, string part = "file") =>
        new($"'{sourceName}' is truncated or corrupt: its {part} section ends early. Save it again.", inner);
}
