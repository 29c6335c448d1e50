using System.Runtime.InteropServices;
using FluentAssertions;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Tests.Persistence;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Internal;

public sealed class StateDictTests
{
    /// <summary>A linear layer (float32 weight and bias) and a batch norm (float32 running statistics and an int64 counter).</summary>
    private static nn.Module<Tensor, Tensor> Module() => nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2));

    [Fact]
    public void When_TorchSharps_own_bytes_are_read_it_should_declare_every_tensor_with_its_values_where_TorchSharp_put_them()
    {
        // Arrange
        using var module = Module();
        byte[] bytes = StateDict.ToBytes(module);
        var tensors = module.state_dict();

        // Act
        string? problem = StateDict.ReadDeclarations(bytes, "the state dict", out var entries);

        // Assert
        problem.Should().BeNull();
        entries.Select(e => e.Spec.Name).Should().Equal(tensors.Keys);
        foreach (var entry in entries)
        {
            var tensor = tensors[entry.Spec.Name];
            entry.Spec.DType.Should().Be(tensor.dtype);
            entry.Spec.Shape.Should().Equal(tensor.shape);
            bytes.AsSpan(entry.DataOffset, entry.ByteLength).ToArray().Should().Equal(tensor.bytes.ToArray(), $"'{entry.Spec.Name}' holds the tensor's raw values");
        }

        entries.Single(e => e.Spec.Name == "1.num_batches_tracked").Spec.DType.Should().Be(ScalarType.Int64);
    }

    [Fact]
    public void When_the_declarations_are_compared_with_the_modules_own_specs_it_should_find_no_mismatch()
    {
        // Arrange
        using var module = Module();
        StateDict.ReadDeclarations(StateDict.ToBytes(module), "the state dict", out var entries);

        // Act
        string? problem = StateDict.FindMismatch(entries, StateDict.Specs(module), "the state dict", "the module");

        // Assert
        problem.Should().BeNull();
    }

    [Theory]
    [InlineData(6L + 256)]
    [InlineData(8L)]
    [InlineData(-1L)]
    public void When_a_dtype_code_is_not_one_TorchSharp_defines_exactly_it_should_be_refused(long code)
    {
        // Arrange: 262 is float32 to TorchSharp's loader, which casts the code to a signed byte; 8 is undefined; −1
        // becomes a 10-byte LEB128 value.
        using var module = Module();
        var parts = PartsOf(module);
        parts.Entries[0].DType = code;

        // Act
        string? problem = StateDict.ReadDeclarations(parts.Encode(), "the state dict", out _);

        // Assert
        problem.Should().Be("the state dict entry 0 ('0.weight') has an unknown element type code");
    }

    [Fact]
    public void When_a_dimension_takes_ten_LEB128_bytes_it_should_be_refused_although_TorchSharp_reads_it()
    {
        // Arrange: 2 in ten bytes (0x82, then eight 0x80, then 0x00); TorchSharp's decoder reads it as 2.
        using var module = Module();
        var parts = PartsOf(module);
        parts.Entries[0].RawShape = [2, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 3];

        // Act
        string? problem = StateDict.ReadDeclarations(parts.Encode(), "the state dict", out _);

        // Assert
        problem.Should().Be("the state dict entry 0 ('0.weight') has a malformed dimension 0");
    }

    [Fact]
    public void When_a_shape_multiplies_past_the_tooLongrange_it_should_say_so_without_overflowing()
    {
        // Arrange: 2^62 × 2^62 elements overflow a long; the reader must not wrap round to a small count.
        using var module = Module();
        var parts = PartsOf(module);
        parts.Entries[0].Shape = [1L << 62, 1L << 62];

        // Act
        string? problem = StateDict.ReadDeclarations(parts.Encode(), "the state dict", out _);

        // Assert
        problem.Should().StartWith($"the state dict entry 0 ('0.weight') declares shape [{1L << 62}, {1L << 62}], more values than the");
    }

    [Fact]
    public void When_the_entry_count_is_huge_it_should_be_refused_before_reading_entries()
    {
        // Arrange
        using var module = Module();
        var parts = PartsOf(module);
        parts.RawCount = Framing.Leb128(1L << 40);
        byte[] bytes = parts.Encode();

        // Act
        string? problem = StateDict.ReadDeclarations(bytes, "the state dict", out var entries);

        // Assert
        problem.Should().Be($"the state dict declares {1L << 40:N0} entries, more than its {bytes.Length:N0} bytes can hold");
        entries.Should().BeEmpty();
    }

    [Fact]
    public void When_bytes_follow_the_last_entry_it_should_count_them()
    {
        // Arrange
        using var module = Module();
        var parts = PartsOf(module);
        parts.Trailing = [1, 2, 3];

        // Act
        string? problem = StateDict.ReadDeclarations(parts.Encode(), "the state dict", out _);

        // Assert
        problem.Should().Be("the state dict has 3 bytes after its last entry");
    }

    [Fact]
    public void When_a_key_is_not_UTF8_or_runs_past_the_end_it_should_say_which_entry()
    {
        // Arrange
        using var module = Module();
        var invalid = PartsOf(module);
        invalid.Entries[1].RawName = [2, 0xFF, 0xFE];
        var tooLong = PartsOf(module);
        tooLong.Entries[1].RawName = [.. Framing.Leb128(int.MaxValue), (byte)'x'];

        // Act
        string? notUtf8 = StateDict.ReadDeclarations(invalid.Encode(), "the state dict", out _);
        string? pastEnd = StateDict.ReadDeclarations(tooLong.Encode(), "the state dict", out _);

        // Assert
        notUtf8.Should().Be("the state dict entry 1 has a key that is not valid UTF-8");
        pastEnd.Should().StartWith($"the state dict entry 1 has a key of {int.MaxValue:N0} bytes, past the end");
    }

    [Fact]
    public void When_a_key_appears_twice_it_should_be_a_mismatch_although_the_entry_count_is_right()
    {
        // Arrange: TorchSharp's strict load compares only the count and that each key exists, so a repeated key
        // leaves the key it replaced at the module's initial values.
        using var module = Module();
        var parts = PartsOf(module);
        parts.Entries[1] = parts.Entries[0].Clone();
        StateDict.ReadDeclarations(parts.Encode(), "the state dict", out var entries);

        // Act
        string? problem = StateDict.FindMismatch(entries, StateDict.Specs(module), "the state dict", "the module");

        // Assert
        problem.Should().Be("the state dict has '0.weight' more than once");
    }

    [Fact]
    public void When_the_shapes_differ_or_a_key_is_missing_or_unknown_it_should_name_the_key_and_both_shapes()
    {
        // Arrange
        using var module = Module();
        var specs = StateDict.Specs(module);
        var reshaped = PartsOf(module);
        reshaped.Entries[0].Shape = [3, 2];
        var renamed = PartsOf(module);
        renamed.Entries[1].Name = "0.offset";
        StateDict.ReadDeclarations(reshaped.Encode(), "the state dict", out var reshapedEntries);
        StateDict.ReadDeclarations(renamed.Encode(), "the state dict", out var renamedEntries);

        // Act
        string? shape = StateDict.FindMismatch(reshapedEntries, specs, "the state dict", "the module");
        string? unknown = StateDict.FindMismatch(renamedEntries, specs, "the state dict", "the module");
        string? missing = StateDict.FindMismatch(renamedEntries.Where(e => e.Spec.Name != "0.offset").ToList(), specs, "the state dict", "the module");

        // Assert
        shape.Should().Be("the state dict has '0.weight' with shape [3, 2], but the module needs [2, 3]");
        unknown.Should().Be("the state dict has '0.offset', which the module does not have");
        missing.Should().Be("the state dict has no '0.bias', which the module needs");
    }

    [Fact]
    public void When_a_weight_is_NaN_it_should_name_the_tensor_and_the_element()
    {
        // Arrange
        using var module = Module();
        var parts = PartsOf(module);
        MemoryMarshal.Cast<byte, float>(parts.Entries[0].Data.AsSpan())[4] = float.NaN;
        byte[] bytes = parts.Encode();
        StateDict.ReadDeclarations(bytes, "the state dict", out var entries);

        // Act
        string? problem = StateDict.FindNonFinite(bytes, entries, "the state dict");

        // Assert
        problem.Should().Be("the state dict has a NaN or infinite value in '0.weight', at element 4");
    }

    private static StateDictParts PartsOf(nn.Module<Tensor, Tensor> module) => StateDictParts.Decode(StateDict.ToBytes(module));
}
