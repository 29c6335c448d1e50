using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace MultiHeadClassifier.Internal;

/// <summary>
/// A module's state dict as bytes in TorchSharp's format, the form model files and checkpoints store; and a
/// reader of those bytes' declarations that creates no tensor, so that a file can be checked against the
/// architecture it claims before anything is allocated for it.
/// </summary>
/// <remarks>
/// The format, as TorchSharp 0.107 writes it (<c>Module.save</c> → <c>save_state_dict</c>, then
/// <c>TensorExtensionMethods.Save</c> per entry) and reads it back (<c>Module.load</c>):
/// <list type="number">
/// <item>the entry count, unsigned LEB128;</item>
/// <item>per entry: the key as a <see cref="BinaryWriter"/> string (7-bit-encoded byte length, then UTF-8); the element
/// type as an unsigned LEB128 <see cref="torch.ScalarType"/> code; the dimension count, unsigned LEB128; each dimension,
/// unsigned LEB128; then the element count × element size raw bytes of the values, little-endian, row-major.</item>
/// </list>
/// TorchSharp's own LEB128 decoder accepts any number of continuation bytes and lets shifts wrap, and it casts the
/// type code to a signed byte, so two different byte strings can mean the same declaration to it. The reader here
/// accepts only what it reads exactly as TorchSharp does: at most 9 LEB128 bytes (values below 2^63), defined type
/// codes, well-formed UTF-8 keys and string lengths, and data that ends exactly where the bytes do.
/// </remarks>
internal static class StateDict
{
    /// <summary>The most LEB128 bytes a value may take: 9 × 7 = 63 bits, every non-negative long.</summary>
    private const int MaxLeb128Bytes = 9;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Serialises every parameter and buffer of <paramref name="module"/>.</summary>
    /// <param name="module">The module.</param>
    /// <returns>The state dict in TorchSharp's format.</returns>
    public static byte[] ToBytes(torch.nn.Module module)
    {
        using var buffer = new MemoryStream();

        // TorchSharp closes the stream it saves to; ToArray still works on a closed MemoryStream.
        module.save(buffer);
        return buffer.ToArray();
    }

    /// <summary>Loads a state dict written by <see cref="ToBytes"/> into <paramref name="module"/> in place.</summary>
    /// <param name="module">A module of the same architecture.</param>
    /// <param name="bytes">The state dict.</param>
    /// <param name="strict">Whether every key must match.</param>
    public static void Load(torch.nn.Module module, byte[] bytes, bool strict = true)
    {
        using var noGrad = torch.no_grad();
        using var stream = new MemoryStream(bytes, writable: false);
        module.load(stream, strict);
    }

    /// <summary>The declarations of <paramref name="module"/>'s state dict (what <see cref="ToBytes"/> would write), in order.</summary>
    /// <param name="module">The module.</param>
    /// <param name="prefix">Put before every key, e.g. <c>backbone.</c> for a submodule.</param>
    /// <returns>Name, element type and shape of every parameter and buffer.</returns>
    public static List<TensorSpec> Specs(torch.nn.Module module, string prefix = "") =>
        [.. module.state_dict().Select(p => new TensorSpec(prefix + p.Key, p.Value.dtype, p.Value.shape))];

    /// <summary>
    /// Reads the declarations of a serialised state dict without creating a tensor: the keys, element types and
    /// shapes, and where each entry's values lie.
    /// </summary>
    /// <param name="bytes">The state dict.</param>
    /// <param name="part">Names the bytes in the problem, e.g. "the state dict".</param>
    /// <param name="entries">The entries, in file order, when the bytes are well-formed.</param>
    /// <returns>Null when the bytes are well-formed; otherwise the first problem, naming <paramref name="part"/>, the entry and the field.</returns>
    public static string? ReadDeclarations(ReadOnlySpan<byte> bytes, string part, out List<StateDictEntry> entries)
    {
        entries = [];
        var cursor = new Cursor(bytes);
        if (!cursor.TryReadLeb128(out long count))
        {
            return $"{part} has a malformed entry count";
        }

        // Each entry takes at least 4 bytes: key length, type, dimension count, and one more (of the key, a dimension or a value).
        if (count > cursor.Remaining / 4)
        {
            return $"{part} declares {count:N0} entries, more than its {bytes.Length:N0} bytes can hold";
        }

        for (int i = 0; i < count; i++)
        {
            string? problem = ReadEntry(ref cursor, $"{part} entry {i}", out var entry);
            if (problem is not null)
            {
                return problem;
            }

            entries.Add(entry!);
        }

        return cursor.Remaining == 0
            ? null
            : $"{part} has {cursor.Remaining:N0} bytes after its last entry";
    }

    /// <summary>
    /// Compares a state dict's declarations with the ones an architecture needs: the same keys, each once, with the
    /// same element types and shapes. Order does not matter (TorchSharp loads by key).
    /// </summary>
    /// <param name="actual">The file's declarations.</param>
    /// <param name="expected">The architecture's.</param>
    /// <param name="part">Names the file's state dict, e.g. "the state dict".</param>
    /// <param name="source">Names where <paramref name="expected"/> comes from, e.g. "the architecture in the metadata".</param>
    /// <returns>Null when they match; otherwise the first difference.</returns>
    public static string? FindMismatch(IReadOnlyList<StateDictEntry> actual, IReadOnlyList<TensorSpec> expected, string part, string source)
    {
        var wanted = new Dictionary<string, TensorSpec>(StringComparer.Ordinal);
        foreach (var spec in expected)
        {
            wanted[spec.Name] = spec;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in actual)
        {
            var spec = entry.Spec;
            if (!seen.Add(spec.Name))
            {
                return $"{part} has '{spec.Name}' more than once";
            }

            if (!wanted.TryGetValue(spec.Name, out var want))
            {
                return $"{part} has '{spec.Name}', which {source} does not have";
            }

            if (spec.DType != want.DType)
            {
                return $"{part} has '{spec.Name}' as {spec.DType}, but {source} needs {want.DType}";
            }

            if (!spec.Shape.AsSpan().SequenceEqual(want.Shape))
            {
                return $"{part} has '{spec.Name}' with shape {spec.ShapeText}, but {source} needs {want.ShapeText}";
            }
        }

        var missing = expected.FirstOrDefault(s => !seen.Contains(s.Name));
        return missing is null ? null : $"{part} has no '{missing.Name}', which {source} needs";
    }

    /// <summary>The first NaN or infinite value among the floating-point entries, or null when all are finite.</summary>
    /// <param name="bytes">The state dict.</param>
    /// <param name="entries">Its declarations, from <see cref="ReadDeclarations"/>.</param>
    /// <param name="part">Names the state dict in the problem.</param>
    /// <returns>Null when every float32 and float64 value is finite; otherwise the problem, naming the entry and element.</returns>
    public static string? FindNonFinite(ReadOnlySpan<byte> bytes, IReadOnlyList<StateDictEntry> entries, string part)
    {
        foreach (var entry in entries)
        {
            var data = bytes.Slice(entry.DataOffset, entry.ByteLength);
            long bad = entry.Spec.DType switch
            {
                torch.ScalarType.Float32 => FiniteValues.IndexOfNonFinite(MemoryMarshal.Cast<byte, float>(data)),
                torch.ScalarType.Float64 => IndexOfNonFinite(MemoryMarshal.Cast<byte, double>(data)),
                _ => -1,
            };
            if (bad >= 0)
            {
                return $"{part} has a NaN or infinite value in '{entry.Spec.Name}', at element {bad:N0}";
            }
        }

        return null;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<double> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string? ReadEntry(ref Cursor cursor, string where, out StateDictEntry? entry)
    {
        entry = null;
        if (!cursor.TryRead7BitLength(out int nameLength))
        {
            return $"{where} has a malformed key length";
        }

        if (nameLength > cursor.Remaining)
        {
            return $"{where} has a key of {nameLength:N0} bytes, past the end of the state dict";
        }

        string name;
        try
        {
            name = StrictUtf8.GetString(cursor.Take(nameLength));
        }
        catch (DecoderFallbackException)
        {
            return $"{where} has a key that is not valid UTF-8";
        }

        where = $"{where} ('{name}')";
        if (!cursor.TryReadLeb128(out long typeCode) || !IsKnownType(typeCode))
        {
            return $"{where} has an unknown element type code";
        }

        var type = (torch.ScalarType)typeCode;
        if (!cursor.TryReadLeb128(out long rank) || rank > cursor.Remaining)
        {
            return $"{where} has a malformed dimension count";
        }

        long[] shape = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            if (!cursor.TryReadLeb128(out shape[d]))
            {
                return $"{where} has a malformed dimension {d}";
            }
        }

        var spec = new TensorSpec(name, type, shape);
        long elementSize = type.ElementSize();
        long? byteLength = spec.ElementCountUpTo(cursor.Remaining / elementSize) * elementSize;
        if (byteLength is not { } length)
        {
            return $"{where} declares shape {spec.ShapeText}, more values than the {cursor.Remaining:N0} bytes left can hold";
        }

        entry = new StateDictEntry(spec, cursor.Position, (int)length);
        cursor.Take((int)length);
        return null;
    }

    private static bool IsKnownType(long code) =>
        code is >= 0 and <= sbyte.MaxValue && Enum.IsDefined((torch.ScalarType)code);

    /// <summary>Reads forward through a span; every read checks that the bytes are there.</summary>
    private ref struct Cursor(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public int Position { get; private set; }

        public readonly int Remaining => _bytes.Length - Position;

        public ReadOnlySpan<byte> Take(int count)
        {
            var slice = _bytes.Slice(Position, count);
            Position += count;
            return slice;
        }

        /// <summary>An unsigned LEB128 value of at most 9 bytes, which TorchSharp's decoder reads the same way.</summary>
        public bool TryReadLeb128(out long value)
        {
            value = 0;
            for (int i = 0; i < MaxLeb128Bytes && Position < _bytes.Length; i++)
            {
                byte b = _bytes[Position++];
                value |= (long)(b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A string length as <see cref="BinaryReader"/> reads it: at most 5 bytes, never negative.</summary>
        public bool TryRead7BitLength(out int value)
        {
            uint result = 0;
            value = 0;
            for (int i = 0; i < 5 && Position < _bytes.Length; i++)
            {
                byte b = _bytes[Position++];
                if (i == 4 && b > 0x07)
                {
                    return false;
                }

                result |= (uint)(b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                {
                    value = (int)result;
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>A tensor's key, element type and shape, as a state dict declares it.</summary>
/// <param name="Name">The state-dict key, e.g. <c>heads.weight</c>.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions.</param>
internal sealed record TensorSpec(string Name, torch.ScalarType DType, long[] Shape)
{
    /// <summary>The shape as text, e.g. <c>[5, 16]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>The number of elements, or null when it exceeds <paramref name="limit"/> (never overflowing on the way).</summary>
    /// <param name="limit">The largest acceptable count.</param>
    /// <returns>The element count, at most <paramref name="limit"/>; or null.</returns>
    public long? ElementCountUpTo(long limit)
    {
        if (Shape.Contains(0))
        {
            return 0;
        }

        long count = 1;
        foreach (long dimension in Shape)
        {
            if (dimension > limit / count)
            {
                return null;
            }

            count *= dimension;
        }

        return count <= limit ? count : null;
    }
}

/// <summary>One entry of a serialised state dict: its declaration and where its values lie in the bytes.</summary>
/// <param name="Spec">Key, element type and shape.</param>
/// <param name="DataOffset">Where the raw values start in the state dict's bytes.</param>
/// <param name="ByteLength">How many bytes the values take.</param>
internal sealed record StateDictEntry(TensorSpec Spec, int DataOffset, int ByteLength);
