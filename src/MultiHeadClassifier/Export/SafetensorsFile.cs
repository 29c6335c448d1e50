using System.Buffers.Binary;
using System.Text.Json;

namespace MultiHeadClassifier.Export;

/// <summary>One tensor of a safetensors file: its name, dtype code, shape and byte range in the data buffer.</summary>
internal sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, long Begin, long End);

/// <summary>
/// The safetensors format (a public, code-free layout): an unsigned 64-bit little-endian header length N, N bytes
/// of a UTF-8 JSON object mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c>
/// (offsets into the data buffer) plus an optional <c>"__metadata__"</c> object of strings, then the data buffer.
/// The reader checks what the reference implementation checks (sizes that match dtype and shape, offsets that
/// tile the buffer exactly without gaps or overlaps, no duplicate names) and reports every violation as an
/// <see cref="InvalidDataException"/> naming the file. Nothing in a file is executed.
/// </summary>
internal sealed class SafetensorsFile
{
    /// <summary>The largest header the reader accepts (the reference implementation's limit).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private static readonly Dictionary<string, int> ItemSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    private SafetensorsFile(IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata, ReadOnlyMemory<byte> data)
    {
        Entries = entries;
        Metadata = metadata;
        Data = data;
    }

    /// <summary>The tensors, in the order of their data.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> strings (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The data buffer.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The byte size of one element of a dtype.</summary>
    public static int ItemSize(string dtype) => ItemSizes[dtype];

    /// <summary>Parses and validates a whole file.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid safetensors file; the message names <paramref name="sourceName"/>.</exception>
    public static SafetensorsFile Parse(byte[] bytes, string sourceName)
    {
        if (bytes.Length < 8)
        {
            throw Invalid(sourceName, $"it has {bytes.Length} bytes, fewer than the 8 of the header length (truncated?)");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8) || headerLength > MaxHeaderBytes)
        {
            throw Invalid(sourceName, $"its header length {headerLength} exceeds the {bytes.Length - 8} bytes that follow (truncated?) or the {MaxHeaderBytes}-byte limit");
        }

        var header = bytes.AsMemory(8, (int)headerLength);
        if (header.Length == 0 || header.Span[0] != (byte)'{')
        {
            throw Invalid(sourceName, "its header is not a JSON object");
        }

        var data = bytes.AsMemory(8 + (int)headerLength);
        var (entries, metadata) = ReadHeader(header, sourceName);
        RequireTiling(entries, data.Length, sourceName);
        return new SafetensorsFile(entries, metadata, data);
    }

    /// <summary>The header's tensor entries and its <c>__metadata__</c>, each name once.</summary>
    private static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) ReadHeader(ReadOnlyMemory<byte> header, string sourceName)
    {
        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw Invalid(sourceName, $"its header names '{property.Name}' twice");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, sourceName);
                    continue;
                }

                entries.Add(ReadEntry(property, sourceName));
            }
        }
        catch (JsonException e)
        {
            throw Invalid(sourceName, $"its header is not valid JSON ({e.Message})", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Invalid UTF-8 in a name or string surfaces when it is read, not when the document is parsed.
            throw Invalid(sourceName, $"its header is not valid UTF-8 JSON ({e.Message})", e);
        }

        return (entries, metadata);
    }

    /// <summary>The tensors' byte ranges must tile the data exactly: no gap, no overlap, nothing left over.</summary>
    private static void RequireTiling(List<SafetensorsEntry> entries, int dataLength, string sourceName)
    {
        entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long next = 0;
        foreach (var entry in entries)
        {
            if (entry.Begin != next)
            {
                throw Invalid(sourceName, $"tensor '{entry.Name}' starts at byte {entry.Begin} of the data, but the tensors before it end at {next} (a gap or an overlap)");
            }

            next = entry.End;
        }

        if (next != dataLength)
        {
            throw Invalid(sourceName, $"its tensors cover {next} bytes of data, but the file holds {dataLength} (truncated or extended?)");
        }
    }

    /// <summary>Writes a file: header (padded with spaces to a multiple of 8 bytes) and the tensors' data in the given order.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, string Dtype, long[] Shape, byte[] Data)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject(MetadataKey);
            foreach (var (key, value) in metadata)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, dtype, shape, bytes) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (long d in shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes.Length;
            }

            json.WriteEndObject();
        }

        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        header.Position = 0;
        header.CopyTo(stream);
        foreach (var tensor in tensors)
        {
            stream.Write(tensor.Data);
        }
    }

    /// <summary>The header entries a writer would produce for these tensors, in order.</summary>
    public static List<SafetensorsEntry> Layout(IEnumerable<(string Name, string Dtype, long[] Shape, byte[] Data)> tensors)
    {
        var result = new List<SafetensorsEntry>();
        long offset = 0;
        foreach (var (name, dtype, shape, data) in tensors)
        {
            result.Add(new SafetensorsEntry(name, dtype, shape, offset, offset + data.Length));
            offset += data.Length;
        }

        return result;
    }

    private static SafetensorsEntry ReadEntry(JsonProperty property, string sourceName)
    {
        string name = property.Name;
        if (property.Value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(sourceName, $"tensor '{name}' is not described by a JSON object");
        }

        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        foreach (var field in property.Value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when field.Value.ValueKind == JsonValueKind.String && dtype is null:
                    dtype = field.Value.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = Integers(field.Value, name, "shape", sourceName);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = Integers(field.Value, name, "data_offsets", sourceName);
                    break;
                default:
                    throw Invalid(sourceName, $"tensor '{name}' has an unexpected or repeated field '{field.Name}'");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            throw Invalid(sourceName, $"tensor '{name}' lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");
        }

        if (!ItemSizes.TryGetValue(dtype, out int itemSize))
        {
            throw Invalid(sourceName, $"tensor '{name}' has unknown dtype '{dtype}'");
        }

        if (offsets.Length != 2 || offsets[0] > offsets[1])
        {
            throw Invalid(sourceName, $"tensor '{name}' has data_offsets [{string.Join(", ", offsets)}], not [begin, end] with begin <= end");
        }

        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (product, d) => checked(product * d)) * itemSize);
        }
        catch (OverflowException)
        {
            throw Invalid(sourceName, $"tensor '{name}' has a shape too large to hold");
        }

        if (offsets[1] - offsets[0] != expected)
        {
            throw Invalid(sourceName, $"tensor '{name}' of dtype {dtype} and shape [{string.Join(", ", shape)}] needs {expected} bytes, but its data_offsets span {offsets[1] - offsets[0]}");
        }

        return new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] Integers(JsonElement value, string tensor, string field, string sourceName)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 16)
        {
            throw Invalid(sourceName, $"tensor '{tensor}' has a {field} that is not a short array of integers");
        }

        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
            {
                throw Invalid(sourceName, $"tensor '{tensor}' has a {field} entry that is not a non-negative integer");
            }

            result[i++] = v;
        }

        return result;
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string sourceName)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(sourceName, "its __metadata__ is not a JSON object");
        }

        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String || !metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Invalid(sourceName, $"its __metadata__ entry '{item.Name}' is not a single string");
            }
        }
    }

    private static InvalidDataException Invalid(string sourceName, string problem, Exception? inner = null) =>
        new($"'{sourceName}' is not a valid safetensors file: {problem}.", inner);
}
