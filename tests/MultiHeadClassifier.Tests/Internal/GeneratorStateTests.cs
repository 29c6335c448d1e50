using FluentAssertions;
using MultiHeadClassifier.Internal;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Internal;

/// <summary>
/// The states libtorch's <c>set_state</c> would reject abort the process, so they cannot be tried here; what can be
/// tried is that every state libtorch itself produces passes, survives a round trip, and that the layout the check
/// reads is the one libtorch writes.
/// </summary>
public sealed class GeneratorStateTests
{
    [Fact]
    public void When_a_fresh_generator_is_asked_for_its_state_it_should_have_the_length_the_check_expects()
    {
        // Arrange
        using var cpu = new Generator(1, CPU);
        using var onDevice = new Generator(1, new Device("cpu:0"));

        // Act
        using var cpuState = cpu.get_state();
        using var deviceState = onDevice.get_state();

        // Assert
        cpuState.numel().Should().Be(GeneratorState.Length);
        deviceState.numel().Should().Be(GeneratorState.Length);
        cpuState.dtype.Should().Be(ScalarType.Byte);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(623)]
    [InlineData(624)]
    [InlineData(625)]
    [InlineData(5000)]
    public void When_libtorch_produced_the_state_it_should_pass_and_restore_the_same_draws(int draws)
    {
        // Arrange: a generator that has drawn 32-bit numbers `draws` times (randint draws one per value).
        using var generator = new Generator(42, CPU);
        if (draws > 0)
        {
            using var _ = randint(0, 1000, [draws], generator: generator);
        }

        byte[] state = StateOf(generator);

        // Act
        string? problem = GeneratorState.FindProblem(state, "the state");
        using var restored = new Generator(7, CPU);
        using (var bytes = tensor(state))
        {
            restored.set_state(bytes);
        }

        using var expected = randint(0, 1000, [50], generator: generator);
        using var actual = randint(0, 1000, [50], generator: restored);

        // Assert
        problem.Should().BeNull();
        actual.data<long>().ToArray().Should().Equal(expected.data<long>().ToArray());
    }

    [Fact]
    public void When_a_generator_has_drawn_it_should_find_left_and_next_where_the_layout_says_and_summing_to_625()
    {
        // Arrange: after a first refill, every draw lowers `left` and raises `next` by one.
        using var generator = new Generator(3, CPU);
        using var _ = randint(0, 10, [10], generator: generator);

        // Act
        byte[] state = StateOf(generator);

        // Assert
        BitConverter.ToInt32(state, 8).Should().Be(615, "left: 624 after the refill, minus the 9 draws after the first");
        BitConverter.ToInt32(state, 12).Should().Be(1, "seeded");
        BitConverter.ToUInt64(state, 16).Should().Be(10UL, "next");
        BitConverter.ToUInt64(state, 0).Should().Be(3UL, "the seed");
    }

    [Theory]
    [InlineData(8, 0, "the state has 0 draws left before a refill; it must be 1 to 624")]
    [InlineData(8, 625, "the state has 625 draws left before a refill; it must be 1 to 624")]
    [InlineData(12, 0, "the state is not seeded (its seeded flag is 0)")]
    [InlineData(16, 625, "the state is at position 625; it must be 0 to 624")]
    [InlineData(5040, 2, "the state has a cached-sample flag that is neither 0 nor 1")]
    public void When_a_field_is_out_of_range_it_should_name_it(int offset, int value, string expected)
    {
        // Arrange
        using var generator = new Generator(42, CPU);
        byte[] state = StateOf(generator);
        BitConverter.GetBytes(value).CopyTo(state, offset);

        // Act
        string? problem = GeneratorState.FindProblem(state, "the state");

        // Assert
        problem.Should().Be(expected);
    }

    [Fact]
    public void When_left_and_next_would_read_past_the_state_words_it_should_be_refused_although_libtorch_accepts_it()
    {
        // Arrange: left 624 at next 600 passes libtorch's own check, and its next 24 draws would read past the array.
        using var generator = new Generator(42, CPU);
        byte[] state = StateOf(generator);
        BitConverter.GetBytes(624).CopyTo(state, 8);
        BitConverter.GetBytes(600UL).CopyTo(state, 16);

        // Act
        string? problem = GeneratorState.FindProblem(state, "the state");

        // Assert
        problem.Should().Be("the state has 624 draws left at position 600, which would read past its 624 words");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5055)]
    [InlineData(5057)]
    public void When_the_length_is_not_a_generator_states_it_should_say_both_lengths(int length)
    {
        // Act
        string? problem = GeneratorState.FindProblem(new byte[length], "the state");

        // Assert
        problem.Should().Be($"the state is {length:N0} bytes, but a generator state is 5,056");
    }

    private static byte[] StateOf(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }
}
