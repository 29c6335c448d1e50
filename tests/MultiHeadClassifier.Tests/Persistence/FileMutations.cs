using System.Text.Json.Nodes;

namespace MultiHeadClassifier.Tests.Persistence;

/// <summary>
/// Seeded, structure-aware changes to the decoded parts of model and checkpoint files: what someone editing a file
/// on purpose would change (sizes, shapes, counts, names, types, nulls, repeated keys, NaN and huge numbers), each
/// returning a description of itself for the failure message.
/// </summary>
internal static class FileMutations
{
    private static readonly long[] Integers = [0, -1, 1, 2, 3, 7, 65_536, 65_537, 1_048_577, 2_000_000_000, int.MaxValue, long.MaxValue];
    private static readonly double[] Reals = [0.5, -0.5, 1e20, 1e38, 1e308, -1e308, 1e-300, 5e-324];
    private static readonly long[] SizeValues = [0, -1, 1, 2, 65_536, 65_537, 1_048_576, 1_048_577, 2_000_000_000, int.MaxValue];
    private static readonly string[] Strings = ["", "NaN", "Infinity", "-Infinity", "x", "none", "balanced", "explicit", "Sgd", "AdamW", "00:00:01", "-00:00:01", "acting"];

    /// <summary>Changes one place of a JSON document: null, removed, a number, a string, a bool, an empty container, off by one, repeated.</summary>
    /// <returns>What changed, and the JSON text to write instead of the tree when the change is a repeated property.</returns>
    public static (string What, string? RawJson) MutateJson(JsonObject root, Random random)
    {
        var places = new List<Place>();
        Collect(root, "$", places);
        var place = places[random.Next(places.Count)];
        var current = place.Get();
        switch (random.Next(10))
        {
            case 0:
                place.Set(null);
                return ($"{place.Path} = null", null);
            case 1:
                place.Remove();
                return ($"{place.Path} removed", null);
            case 2:
            case 3:
                var number = Number(random);
                place.Set(number);
                return ($"{place.Path} = {number.ToJsonString()}", null);
            case 4:
                string text = Strings[random.Next(Strings.Length)];
                place.Set(JsonValue.Create(text));
                return ($"{place.Path} = \"{text}\"", null);
            case 5:
                JsonNode replacement = random.Next(3) switch { 0 => new JsonArray(), 1 => new JsonObject(), _ => JsonValue.Create(random.Next(2) == 0) };
                place.Set(replacement);
                return ($"{place.Path} = {replacement.ToJsonString()}", null);
            case 6 when current is JsonValue value && value.TryGetValue(out double d):
                double changed = d + (random.Next(2) == 0 ? 1 : -1);
                place.Set(changed == Math.Floor(changed) && Math.Abs(changed) < 1e15 ? JsonValue.Create((long)changed) : JsonValue.Create(changed));
                return ($"{place.Path} = {changed}", null);
            case 7 when place.Parent is JsonArray array:
                array.Insert(place.Index + 1, current?.DeepClone());
                return ($"{place.Path} repeated", null);
            case 8 when place.Parent is JsonObject owner:
                // A JSON tree cannot hold a property twice: add a marker and rename it in the text.
                var twin = random.Next(2) == 0 ? current?.DeepClone() : Number(random);
                owner.Add("zzrepeatzz", twin);
                string json = root.ToJsonString().Replace("\"zzrepeatzz\"", $"\"{place.Key}\"", StringComparison.Ordinal);
                owner.Remove("zzrepeatzz");
                return ($"{place.Path} repeated as {twin?.ToJsonString() ?? "null"}", json);
            default:
                var huge = random.Next(3) switch { 0 => JsonValue.Create(2_000_000_000), 1 => JsonValue.Create(long.MaxValue), _ => JsonValue.Create(1e308) };
                place.Set(huge);
                return ($"{place.Path} = {huge.ToJsonString()}", null);
        }
    }

    /// <summary>
    /// Sets one field that sizes an allocation — the input width, a hidden width, a class count, the backbone's
    /// output width — to an edge or huge value, or makes the hidden layers many.
    /// </summary>
    public static string MutateSize(JsonObject metadata, Random random)
    {
        var fields = new List<(JsonNode Parent, string? Key, int Index, string Path)>
        {
            (metadata, "InputWidth", -1, "$.InputWidth"),
            (metadata, "BackboneOutputWidth", -1, "$.BackboneOutputWidth"),
        };
        var heads = metadata["Heads"]!.AsArray();
        for (int h = 0; h < heads.Count; h++)
        {
            fields.Add((heads[h]!, "ClassCount", -1, $"$.Heads[{h}].ClassCount"));
        }

        if (metadata["Backbone"]?["HiddenSizes"] is JsonArray hidden)
        {
            if (random.Next(6) == 0)
            {
                int layers = random.Next(2) == 0 ? 257 : 40;
                for (int i = 0; i < layers; i++)
                {
                    hidden.Add(2);
                }

                return $"$.Backbone.HiddenSizes gains {layers} layers of width 2";
            }

            for (int i = 0; i < hidden.Count; i++)
            {
                fields.Add((hidden, null, i, $"$.Backbone.HiddenSizes[{i}]"));
            }
        }

        var (parent, key, index, path) = fields[random.Next(fields.Count)];
        long value = SizeValues[random.Next(SizeValues.Length)];
        if (key is null)
        {
            parent.AsArray()[index] = value;
        }
        else
        {
            parent[key] = value;
        }

        return $"{path} = {value}";
    }

    /// <summary>Changes one declaration of a state dict: its count, a key, a dtype code, a shape, LEB128 encodings, entries, data.</summary>
    public static string MutateStateDict(StateDictParts dict, Random random, string where)
    {
        var entries = dict.Entries;
        int at = random.Next(entries.Count);
        var entry = entries[at];
        switch (random.Next(17))
        {
            case 0:
                long count = new[] { entries.Count - 1, entries.Count + 1, 0, 1L << 40, long.MaxValue >> 1 }[random.Next(5)];
                dict.RawCount = Framing.Leb128(count);
                return $"{where}: entry count {count}";
            case 1:
                string other = entries[(at + 1 + random.Next(entries.Count - 1)) % entries.Count].Name;
                string was = entry.Name;
                entry.Name = other;
                return $"{where}: '{was}' renamed to the existing '{other}'";
            case 2:
                string invented = new[] { "heads.weight2", string.Empty, "backbone.layers.9.weight", "heads.weight ", "HEADS.WEIGHT" }[random.Next(5)];
                entry.Name = invented;
                return $"{where}: entry {at} renamed '{invented}'";
            case 3:
                entry.RawName = [2, 0xFF, 0xFE];
                return $"{where}: entry {at} key is not UTF-8";
            case 4:
                entry.RawName = [.. Framing.Leb128(int.MaxValue), (byte)'x'];
                return $"{where}: entry {at} key length int.MaxValue";
            case 5:
                long dtype = new[] { 7L, 262, 5, 4, 8, 99, 1L << 40 }[random.Next(7)];
                entry.DType = dtype;
                return $"{where}: '{entry.Name}' dtype code {dtype}";
            case 6:
                int dim = random.Next(entry.Shape.Count);
                long delta = entry.Shape[dim] > 1 && random.Next(2) == 0 ? -1 : 1;
                entry.Shape[dim] += delta;
                entry.Data = new byte[entry.Shape.Aggregate(1L, (a, b) => a * b) * 4];
                return $"{where}: '{entry.Name}' dimension {dim} {delta:+0;-0}, data resized to match";
            case 7:
                int d7 = random.Next(entry.Shape.Count);
                entry.Shape[d7] += 1;
                return $"{where}: '{entry.Name}' dimension {d7} +1, data unchanged";
            case 8:
                entry.Shape.Reverse();
                return $"{where}: '{entry.Name}' shape reversed to [{string.Join(", ", entry.Shape)}]";
            case 9:
                if (random.Next(2) == 0 || entry.Shape.Count == 1)
                {
                    entry.Shape.Add(1);
                    return $"{where}: '{entry.Name}' gains a dimension of 1";
                }

                entry.Shape[0] *= entry.Shape[^1];
                entry.Shape.RemoveAt(entry.Shape.Count - 1);
                return $"{where}: '{entry.Name}' loses its last dimension";
            case 10:
                long huge = new[] { 1L << 31, 1L << 62, 2_000_000_000, (1L << 62) + (1L << 61) }[random.Next(4)];
                entry.Shape[random.Next(entry.Shape.Count)] = huge;
                return $"{where}: '{entry.Name}' a dimension of {huge}";
            case 11:
                // Ten LEB128 bytes, more than a 63-bit value needs: TorchSharp's decoder reads them, and lets the tenth shift wrap.
                entry.RawShape = [.. Framing.Leb128(entry.Shape.Count), .. OverlongLeb128(entry.Shape[0], random.Next(2) == 0), .. entry.Shape.Skip(1).SelectMany(Framing.Leb128)];
                return $"{where}: '{entry.Name}' first dimension in 10 LEB128 bytes";
            case 12:
                entries.RemoveAt(at);
                return $"{where}: '{entry.Name}' removed";
            case 13:
                var extra = entry.Clone();
                if (random.Next(2) == 0)
                {
                    extra.Name += ".extra";
                    entries.Add(extra);
                    return $"{where}: extra entry '{extra.Name}'";
                }

                int replaced = (at + 1) % entries.Count;
                string lost = entries[replaced].Name;
                entries[replaced] = extra;
                return $"{where}: '{lost}' replaced by a second '{entry.Name}'";
            case 14:
                int with = random.Next(entries.Count);
                (entries[at], entries[with]) = (entries[with], entries[at]);
                return $"{where}: entries {at} and {with} swapped";
            case 15:
                switch (random.Next(3))
                {
                    case 0:
                        entry.Data = entry.Data[..^4];
                        return $"{where}: '{entry.Name}' data 4 bytes short";
                    case 1:
                        entry.Data = [.. entry.Data, 0, 0, 0, 0];
                        return $"{where}: '{entry.Name}' data 4 bytes long";
                    default:
                        dict.Trailing = [1, 2, 3];
                        return $"{where}: 3 bytes after the last entry";
                }

            default:
                float bad = random.Next(2) == 0 ? float.NaN : float.PositiveInfinity;
                BitConverter.GetBytes(bad).CopyTo(entry.Data, 4 * random.Next(entry.Data.Length / 4));
                return $"{where}: '{entry.Name}' holds {bad}";
        }
    }

    /// <summary>Changes one of the optimizer state's name, header, moment counts or values.</summary>
    public static string MutateOptimizer(OptimizerParts optimizer, Random random)
    {
        int t = random.Next(optimizer.Tensors.Count);
        var (count, data) = optimizer.Tensors[t];
        switch (random.Next(9))
        {
            case 0:
                string name = new[] { "Adam", "AdamW", "Sgd", string.Empty, "adam" }[random.Next(5)];
                optimizer.Name = Framing.DotNetString(name);
                return $"optimizer named '{name}'";
            case 1:
                optimizer.Name = [.. Framing.Leb128(int.MaxValue), (byte)'A'];
                return "optimizer name length int.MaxValue";
            case 2:
                byte[] header = optimizer.Header.Length == 1
                    ? [(byte)random.Next(2, 256)]
                    : BitConverter.GetBytes(new[] { -1L, long.MinValue, long.MaxValue, 0 }[random.Next(4)]);
                optimizer.Header = header;
                return $"optimizer header {Convert.ToHexString(header)}";
            case 3:
                long changed = new[] { count - 1, count + 1, 0, -1, 1L << 40, long.MaxValue }[random.Next(6)];
                optimizer.Tensors[t] = (changed, data);
                return $"optimizer tensor {t} count {changed}, data unchanged";
            case 4:
                long resized = count + (random.Next(2) == 0 ? 1 : -1);
                optimizer.Tensors[t] = (resized, new byte[resized * 4]);
                return $"optimizer tensor {t} count {resized}, data resized to match";
            case 5:
                optimizer.Tensors[t] = (count, random.Next(2) == 0 ? data[..^4] : [.. data, 0, 0, 0, 0]);
                return $"optimizer tensor {t} data 4 bytes off";
            case 6:
                float value = t == 1 && random.Next(2) == 0 ? -1f : float.NaN;
                BitConverter.GetBytes(value).CopyTo(data, 4 * random.Next((int)count));
                return $"optimizer tensor {t} holds {value}";
            case 7:
                if (random.Next(2) == 0)
                {
                    optimizer.Tensors.RemoveAt(t);
                    return $"optimizer tensor {t} removed";
                }

                optimizer.Tensors.Add((count, data));
                return "optimizer gains a tensor";
            default:
                optimizer.Trailing = [0];
                return "optimizer state has a byte after its tensors";
        }
    }

    /// <summary>Changes a generator state's length or the Mersenne Twister fields libtorch checks.</summary>
    public static byte[] MutateGenerator(byte[] state, Random random, out string what)
    {
        byte[] copy = [.. state];
        switch (random.Next(8))
        {
            case 0:
                int length = new[] { 0, state.Length - 1, state.Length + 1, 16, 2 * state.Length }[random.Next(5)];
                what = $"{length} bytes";
                return [.. copy.Concat(new byte[Math.Max(0, length - copy.Length)]).Take(length)];
            case 1:
            case 2:
                int left = new[] { 0, -1, 625, 1000, int.MinValue, 624 }[random.Next(6)];
                BitConverter.GetBytes(left).CopyTo(copy, 8);
                what = $"left = {left}";
                return copy;
            case 3:
                int seeded = random.Next(2) == 0 ? 0 : 2;
                BitConverter.GetBytes(seeded).CopyTo(copy, 12);
                what = $"seeded = {seeded}";
                return copy;
            case 4:
                ulong next = new[] { 625UL, 1UL << 40, 624UL, ulong.MaxValue }[random.Next(4)];
                BitConverter.GetBytes(next).CopyTo(copy, 16);
                what = $"next = {next}";
                return copy;
            case 5:
                BitConverter.GetBytes(624).CopyTo(copy, 8);
                BitConverter.GetBytes(600UL).CopyTo(copy, 16);
                what = "left 624 at next 600 (reads past the state words)";
                return copy;
            case 6:
                BitConverter.GetBytes(1).CopyTo(copy, 8);
                BitConverter.GetBytes(0UL).CopyTo(copy, 16);
                what = "left 1 at next 0 (a fresh generator's position, valid)";
                return copy;
            default:
                if (random.Next(2) == 0)
                {
                    BitConverter.GetBytes(2).CopyTo(copy, 5040);
                    what = "normal_is_valid = 2";
                }
                else
                {
                    copy[5052] = 1;
                    BitConverter.GetBytes(float.NaN).CopyTo(copy, 5048);
                    what = "a cached NaN float normal sample";
                }

                return copy;
        }
    }

    /// <summary>A section length, the JSON length or the format version changed, or bytes after the last section.</summary>
    public static long EdgeLength(long length, Random random) =>
        new[] { length - 1, length + 1, -1, 0, int.MaxValue, long.MaxValue, long.MinValue }[random.Next(7)];

    private static JsonValue Number(Random random) => random.Next(3) == 0
        ? JsonValue.Create(Reals[random.Next(Reals.Length)])
        : JsonValue.Create(Integers[random.Next(Integers.Length)]);

    /// <summary>A value in 10 LEB128 bytes: with zero padding (TorchSharp reads the value) or with a set tenth byte (its shift wraps).</summary>
    private static byte[] OverlongLeb128(long value, bool wrap)
    {
        byte[] bytes = new byte[10];
        ulong rest = (ulong)value;
        for (int i = 0; i < 9; i++)
        {
            bytes[i] = (byte)((rest & 0x7F) | 0x80);
            rest >>= 7;
        }

        bytes[9] = (byte)(wrap ? 0x01 : 0x00);
        return bytes;
    }

    private static void Collect(JsonNode node, string path, List<Place> places)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj.ToList())
            {
                string at = $"{path}.{key}";
                places.Add(new Place(obj, key, -1, at));
                if (child is not null)
                {
                    Collect(child, at, places);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                string at = $"{path}[{i}]";
                places.Add(new Place(array, null, i, at));
                if (array[i] is { } child)
                {
                    Collect(child, at, places);
                }
            }
        }
    }

    /// <summary>A property of an object or an element of an array.</summary>
    private sealed record Place(JsonNode Parent, string? Key, int Index, string Path)
    {
        public JsonNode? Get() => Parent is JsonObject obj ? obj[Key!] : Parent.AsArray()[Index];

        public void Set(JsonNode? value)
        {
            if (Parent is JsonObject obj)
            {
                obj[Key!] = value;
            }
            else
            {
                Parent.AsArray()[Index] = value;
            }
        }

        public void Remove()
        {
            if (Parent is JsonObject obj)
            {
                obj.Remove(Key!);
            }
            else
            {
                Parent.AsArray().RemoveAt(Index);
            }
        }
    }
}
