using FluentAssertions;
using MultiHeadClassifier.Modeling;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Modeling;

public sealed class SeededDropoutTests
{
    [Fact]
    public void When_training_it_should_keep_exactly_the_elements_whose_uniform_draw_is_at_least_p_and_scale_them_by_1_over_1_minus_p()
    {
        // Arrange: p = 0.25 on 10,000 ones; the reference mask comes from a second generator with the same seed.
        const double p = 0.25;
        var random = new RandomSource();
        using var dropout = new SeededDropout(p, random);
        dropout.train();
        using var input = ones(100, 100);
        using var generator = new Generator(42, CPU);
        using var referenceGenerator = new Generator(42, CPU);
        random.Generator = generator;

        // Act
        using var output = dropout.forward(input);

        // Assert: kept elements are 1 / 0.75 in float32, dropped ones 0, and the kept set is draw >= p.
        using var draws = rand([100, 100], generator: referenceGenerator);
        float[] expectedMask = [.. draws.data<float>().ToArray().Select(u => u >= p ? 1f : 0f)];
        float scale = (float)(1 / (1 - p));
        output.data<float>().ToArray().Should().Equal(expectedMask.Select(m => m * scale));
        ((double)expectedMask.Average()).Should().BeApproximately(0.75, 4 * Math.Sqrt(0.25 * 0.75 / 10_000), "the keep rate is 1 − p within 4 standard errors");
    }

    [Fact]
    public void When_evaluating_it_should_return_the_input_unchanged()
    {
        // Arrange
        using var dropout = new SeededDropout(0.5, new RandomSource());
        dropout.eval();
        using var input = arange(6, dtype: float32);

        // Act
        using var output = dropout.forward(input);

        // Assert
        output.data<float>().ToArray().Should().Equal(0f, 1f, 2f, 3f, 4f, 5f);
    }
}
