using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MultiHeadClassifier.Tests.Persistence;

/// <summary>
/// Model and checkpoint files taken apart into their decoded parts and put back together with a valid SHA-256, so
/// that a test can change what a file says (its JSON, its state-dict headers, its section lengths) the way someone
/// editing it on purpose would. Written from the file formats, independently of the library's own readers: the
/// framing (magic, int32 version, payload, SHA-256 of the payload) and TorchSharp's state-dict layout (LEB128 entry
/// count; per entry a BinaryWriter string key, LEB128 dtype code, LEB128 rank, LEB128 dimensions, raw values).
/// </summary>
internal static class Framing
{
    public static (byte[] Magic, int Version, byte[] Payload) Split(byte[] file) =>
        (file[..8], BitConverter.ToInt32(file, 8), file[12..^32]);

    public static byte[] Join(byte[] magic, int version, byte[] payload) =>
        [.. magic, .. BitConverter.GetBytes(version), .. payload, .. SHA256.HashData(payload)];

    public static byte[] Leb128(long value)
    {
        var bytes = new List<byte>();
        ulong rest = (ulong)value;
        do
        {
            byte b = (byte)(rest & 0x7F);
            rest >>= 7;
            bytes.Add(rest == 0 ? b : (byte)(b | 0x80));
        }
        while (rest != 0);
        return [.. bytes];
    }

    public static long ReadLeb128(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    /// <summary>A string as <see cref="BinaryWriter"/> writes it: 7-bit-encoded byte length, then UTF-8.</summary>
    public static byte[] DotNetString(string text) => DotNetString(Encoding.UTF8.GetBytes(text));

    public static byte[] DotNetString(byte[] utf8)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write7BitEncodedInt(utf8.Length);
            writer.Write(utf8);
        }

        return buffer.ToArray();
    }
}

/// <summary>One state-dict entry; a <c>Raw…</c> field, when set, is written instead of the encoding of its decoded twin.</summary>
internal sealed class TensorPart
{
    public required string Name { get; set; }

    public byte[]? RawName { get; set; }

    public long DType { get; set; }

    public byte[]? RawDType { get; set; }

    public required List<long> Shape { get; set; }

    public byte[]? RawShape { get; set; }

    public required byte[] Data { get; set; }

    public TensorPart Clone() => new() { Name = Name, RawName = RawName, DType = DType, RawDType = RawDType, Shape = [.. Shape], RawShape = RawShape, Data = [.. Data] };
}

/// <summary>A state dict in TorchSharp's format, taken apart.</summary>
internal sealed class StateDictParts
{
    public List<TensorPart> Entries { get; init; } = [];

    public byte[]? RawCount { get; set; }

    public byte[] Trailing { get; set; } = [];

    public static StateDictParts Decode(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var parts = new StateDictParts();
        long count = Framing.ReadLeb128(reader);
        for (long i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            long dtype = Framing.ReadLeb128(reader);
            long rank = Framing.ReadLeb128(reader);
            var shape = new List<long>();
            for (long d = 0; d < rank; d++)
            {
                shape.Add(Framing.ReadLeb128(reader));
            }

            long elementSize = dtype switch { 6 => 4, 7 => 8, 4 => 8, _ => throw new NotSupportedException($"dtype {dtype}") };
            byte[] data = reader.ReadBytes((int)(shape.Aggregate(1L, (a, b) => a * b) * elementSize));
            parts.Entries.Add(new TensorPart { Name = name, DType = dtype, Shape = shape, Data = data });
        }

        return parts;
    }

    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        buffer.Write(RawCount ?? Framing.Leb128(Entries.Count));
        foreach (var entry in Entries)
        {
            buffer.Write(entry.RawName ?? Framing.DotNetString(entry.Name));
            buffer.Write(entry.RawDType ?? Framing.Leb128(entry.DType));
            buffer.Write(entry.RawShape ?? [.. Framing.Leb128(entry.Shape.Count), .. entry.Shape.SelectMany(Framing.Leb128)]);
            buffer.Write(entry.Data);
        }

        buffer.Write(Trailing);
        return buffer.ToArray();
    }

    public StateDictParts Clone() => new() { Entries = [.. Entries.Select(e => e.Clone())], RawCount = RawCount, Trailing = Trailing };
}

/// <summary>
/// A model file taken apart: magic, version, metadata JSON (int32-length-prefixed), state dict (int64-length-prefixed).
/// </summary>
internal sealed class ModelFileParts
{
    public required byte[] Magic { get; set; }

    public int Version { get; set; }

    public required JsonObject Metadata { get; set; }

    /// <summary>When set, written instead of <see cref="Metadata"/> (for text that a JSON tree cannot hold, such as a repeated property).</summary>
    public string? RawJson { get; set; }

    public int? JsonLength { get; set; }

    public required StateDictParts Weights { get; set; }

    public long? WeightsLength { get; set; }

    public byte[] Trailing { get; set; } = [];

    public static ModelFileParts Decode(byte[] file)
    {
        var (magic, version, payload) = Framing.Split(file);
        int jsonLength = BitConverter.ToInt32(payload, 0);
        var metadata = JsonNode.Parse(payload.AsSpan(4, jsonLength))!.AsObject();
        long weightsLength = BitConverter.ToInt64(payload, 4 + jsonLength);
        var weights = StateDictParts.Decode(payload.AsSpan(12 + jsonLength, (int)weightsLength).ToArray());
        return new ModelFileParts { Magic = magic, Version = version, Metadata = metadata, Weights = weights };
    }

    public byte[] Encode()
    {
        byte[] json = Encoding.UTF8.GetBytes(RawJson ?? Metadata.ToJsonString());
        byte[] weights = Weights.Encode();
        return Framing.Join(Magic, Version, [
            .. BitConverter.GetBytes(JsonLength ?? json.Length), .. json,
            .. BitConverter.GetBytes(WeightsLength ?? weights.Length), .. weights,
            .. Trailing]);
    }
}

/// <summary>An optimizer state as the flat optimizers write it: name (BinaryWriter string), header (int64 step, or a bool for SGD), then per moment an int64 count and float32 values.</summary>
internal sealed class OptimizerParts
{
    public required byte[] Name { get; set; }

    public required byte[] Header { get; set; }

    public required List<(long Count, byte[] Data)> Tensors { get; init; }

    public byte[] Trailing { get; set; } = [];

    public static OptimizerParts Decode(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        string name = reader.ReadString();
        byte[] header = reader.ReadBytes(name == "Sgd" ? 1 : 8);
        var tensors = new List<(long, byte[])>();
        while (reader.BaseStream.Position < bytes.Length)
        {
            long count = reader.ReadInt64();
            tensors.Add((count, reader.ReadBytes((int)count * 4)));
        }

        return new OptimizerParts { Name = Framing.DotNetString(name), Header = header, Tensors = tensors };
    }

    public byte[] Encode() =>
        [.. Name, .. Header, .. Tensors.SelectMany(t => BitConverter.GetBytes(t.Count).Concat(t.Data)), .. Trailing];
}

/// <summary>
/// A checkpoint taken apart: magic, version, then six int64-length-prefixed sections — metadata JSON, model file,
/// optimizer state, shuffle and dropout generator states, best weights (empty when none).
/// </summary>
internal sealed class CheckpointParts
{
    public required byte[] Magic { get; set; }

    public int Version { get; set; }

    public required JsonObject Metadata { get; set; }

    public string? RawJson { get; set; }

    public required ModelFileParts Model { get; set; }

    public required OptimizerParts Optimizer { get; set; }

    public required byte[] Shuffle { get; set; }

    public required byte[] Dropout { get; set; }

    public StateDictParts? BestWeights { get; set; }

    /// <summary>Per section, a length to write instead of the true one.</summary>
    public long?[] Lengths { get; } = new long?[6];

    public byte[] Trailing { get; set; } = [];

    public static CheckpointParts Decode(byte[] file)
    {
        var (magic, version, payload) = Framing.Split(file);
        var sections = new List<byte[]>();
        for (int offset = 0; offset < payload.Length;)
        {
            long length = BitConverter.ToInt64(payload, offset);
            sections.Add(payload.AsSpan(offset + 8, (int)length).ToArray());
            offset += 8 + (int)length;
        }

        return new CheckpointParts
        {
            Magic = magic,
            Version = version,
            Metadata = JsonNode.Parse(sections[0])!.AsObject(),
            Model = ModelFileParts.Decode(sections[1]),
            Optimizer = OptimizerParts.Decode(sections[2]),
            Shuffle = sections[3],
            Dropout = sections[4],
            BestWeights = sections[5].Length == 0 ? null : StateDictParts.Decode(sections[5]),
        };
    }

    /// <summary>The six sections' bytes, in file order.</summary>
    public byte[][] Sections() =>
    [
        Encoding.UTF8.GetBytes(RawJson ?? Metadata.ToJsonString()),
        Model.Encode(),
        Optimizer.Encode(),
        Shuffle,
        Dropout,
        BestWeights?.Encode() ?? [],
    ];

    public byte[] Encode() =>
        Framing.Join(Magic, Version, [.. Sections().SelectMany((s, i) => BitConverter.GetBytes(Lengths[i] ?? s.Length).Concat(s)), .. Trailing]);
}
