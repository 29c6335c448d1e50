using FluentAssertions;
using MultiHeadClassifier.Data;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Data;

public class FeatureStandardizerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(37)]
    public void When_standardising_arrays_it_should_give_the_same_bits_as_the_tensor_path(int width)
    {
        // Arrange: widths below, at and above common vector sizes, so both the SIMD part and the tail run.
        var random = new Random(width);
        var means = Enumerable.Range(0, width).Select(_ => random.NextDouble() * 100 - 50).ToArray();
        var scales = Enumerable.Range(0, width).Select(c => c == 0 ? 0 : random.NextDouble() * 10).ToArray();
        var standardizer = new FeatureStandardizer(means, scales);
        float[] values = Enumerable.Range(0, 13 * width).Select(_ => (float)(random.NextDouble() * 1000 - 500)).ToArray();
        using var rows = tensor(values, [13, width]);

        // Act
        var transformed = new float[values.Length];
        standardizer.Transform(values, transformed);
        using var expected = standardizer.Apply(rows);

        // Assert
        transformed.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void When_a_scale_is_zero_it_should_only_centre_the_feature()
    {
        var standardizer = new FeatureStandardizer([2.0, 10.0], [0.0, 4.0]);
        var output = new float[2];

        standardizer.Transform([5f, 18f], output);

        output.Should().Equal(3f, 2f);
    }
}
