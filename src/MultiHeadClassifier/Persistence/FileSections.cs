namespace MultiHeadClassifier.Persistence;

/// <summary>
/// The framing shared by the library's binary files: an 8-byte magic, an int32 format version, then
/// length-prefixed sections. Reading checks every length against the stream so that a truncated or corrupt
/// file gives an <see cref="InvalidDataException"/> naming the file and section, never a huge allocation.
/// </summary>
internal static class FileSections
{
    /// <summary>Writes the magic and format version.</summary>
    public static void WriteHeader(BinaryWriter writer, ReadOnlySpan<byte> magic, int version)
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
    public static int ReadHeader(BinaryReader reader, ReadOnlySpan<byte> magic, int oldest, int newest, string sourceName, string kind)
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
                $"'{sourceName}' has {kind} format version {version}, written by a pre-release build; this library ({ModelSerializer.LibraryVersion}) reads versions {oldest} to {newest}. "
                + "Train or save it again with this version.");
        }

        if (version > newest || version < 1)
        {
            throw new InvalidDataException(
                $"'{sourceName}' has {kind} format version {version}, but this library ({ModelSerializer.LibraryVersion}) reads versions {oldest} to {newest}. "
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

    /// <summary>The error for a file that ends early.</summary>
    public static InvalidDataException Truncated(string sourceName, Exception? inner, string part = "file") =>
        new($"'{sourceName}' is truncated or corrupt: its {part} section ends early. Save it again.", inner);
}
