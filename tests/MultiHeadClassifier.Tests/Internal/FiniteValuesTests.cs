using FluentAssertions;
using MultiHeadClassifier.Internal;
using Xunit;

namespace MultiHeadClassifier.Tests.Internal;

public class FiniteValuesTests
{
    public static TheoryData<float> NonFinite => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC0_1234) };

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void When_one_value_is_not_finite_it_should_return_the_index_a_plain_loop_finds(float bad)
    {
        // Every length up to 70 covers the vector part, the scalar tail and both together for any vector width.
        var random = new Random(3);
        for (int length = 1; length <= 70; length++)
        {
            for (int trial = 0; trial < 5; trial++)
            {
                float[] values = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2e38 - 1e38)).ToArray();
                values[random.Next(length)] = bad;
                if (trial == 0)
                {
                    values[length - 1] = bad;
                }

                int expected = Array.FindIndex(values, v => !float.IsFinite(v));

                FiniteValues.IndexOfNonFinite(values).Should().Be(expected, $"length {length}, trial {trial}");
            }
        }
    }

    [Fact]
    public void When_all_values_are_finite_including_extremes_it_should_return_minus_one()
    {
        float[] values = [float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, 0f, -0f, 1e-40f, 3.4e38f, .. Enumerable.Range(0, 37).Select(i => (float)i)];

        FiniteValues.IndexOfNonFinite(values).Should().Be(-1);
        FiniteValues.IndexOfNonFinite([]).Should().Be(-1);
    }
}
