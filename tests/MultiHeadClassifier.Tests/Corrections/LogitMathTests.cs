using FluentAssertions;
using MultiHeadClassifier.Corrections;
using Xunit;

namespace MultiHeadClassifier.Tests.Calibration;

public class LogitMathTests
{
    [Fact]
    public void When_logits_differ_by_ln3_it_should_give_probabilities_one_quarter_and_three_quarters()
    {
        // Arrange: softmax([0, ln 3]) = [1, 3] / (1 + 3) = [0.25, 0.75].
        var logits = new float[,] { { 0f, (float)Math.Log(3) } };

        // Act
        double[,] p = LogitMath.Softmax(logits);
        double[,] logP = LogitMath.LogSoftmax(logits);

        // Assert
        p[0, 0].Should().BeApproximately(0.25, 1e-7);
        p[0, 1].Should().BeApproximately(0.75, 1e-7);
        logP[0, 0].Should().BeApproximately(Math.Log(0.25), 1e-7);
        logP[0, 1].Should().BeApproximately(Math.Log(0.75), 1e-7);
    }

    [Fact]
    public void When_logits_are_huge_it_should_not_overflow()
    {
        // Arrange: exp(1000) overflows a double; the max-shifted form gives [0.5, 0.5] and [1, 0].
        var logits = new float[,] { { 1000f, 1000f }, { 1000f, -1000f } };

        // Act
        double[,] p = LogitMath.Softmax(logits);

        // Assert
        p[0, 0].Should().Be(0.5);
        p[0, 1].Should().Be(0.5);
        p[1, 0].Should().Be(1.0);
        p[1, 1].Should().Be(0.0);
    }

    [Fact]
    public void When_two_logits_tie_for_the_maximum_it_should_pick_the_lower_index()
    {
        // Arrange
        var logits = new float[,] { { 1f, 3f, 3f }, { 5f, 0f, 4f } };

        // Act
        int[] argmax = LogitMath.Argmax(logits);

        // Assert
        argmax.Should().Equal(1, 0);
    }

    [Fact]
    public void When_a_logit_is_NaN_it_should_name_its_row_and_column()
    {
        // Arrange
        var logits = new float[,] { { 1f, 2f }, { float.NaN, 0f } };

        // Act
        Action act = () => LogitMath.Softmax(logits);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*row 1, column 0*NaN*");
    }
}
