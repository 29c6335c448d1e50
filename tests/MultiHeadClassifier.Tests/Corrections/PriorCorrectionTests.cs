using FluentAssertions;
using MultiHeadClassifier.Corrections;
using Xunit;

namespace MultiHeadClassifier.Tests.Calibration;

public class PriorCorrectionTests
{
    [Fact]
    public void When_weights_are_two_and_one_it_should_subtract_ln2_from_the_first_logit()
    {
        // Arrange: z − ln w = [1 − ln 2, 1 − ln 1] = [0.3068528…, 1]; and [3 − ln 2, −1].
        var logits = new float[,] { { 1f, 1f }, { 3f, -1f } };

        // Act
        float[,] corrected = PriorCorrection.Apply(logits, [2f, 1f]);

        // Assert
        corrected[0, 0].Should().BeApproximately((float)(1 - Math.Log(2)), 1e-6f);
        corrected[0, 1].Should().Be(1f);
        corrected[1, 0].Should().BeApproximately((float)(3 - Math.Log(2)), 1e-6f);
        corrected[1, 1].Should().Be(-1f);
    }

    [Fact]
    public void When_logits_are_ln_of_weight_times_probability_it_should_recover_the_probability()
    {
        // Arrange: a weighted-CE optimum has softmax(z) ∝ w·p, i.e. z = ln(w·p) + any constant.
        double[] w = [4, 1, 0.5];
        double[] p = [0.2, 0.3, 0.5];
        var logits = new float[1, 3];
        for (int c = 0; c < 3; c++)
        {
            logits[0, c] = (float)(Math.Log(w[c] * p[c]) + 7);
        }

        // Act
        double[,] recovered = LogitMath.Softmax(PriorCorrection.Apply(logits, [4f, 1f, 0.5f]));

        // Assert
        for (int c = 0; c < 3; c++)
        {
            recovered[0, c].Should().BeApproximately(p[c], 1e-6);
        }
    }

    [Fact]
    public void When_priors_are_given_it_should_add_the_log_ratio_of_normalised_priors()
    {
        // Arrange: train prior [3, 1] → [0.75, 0.25]; deployment [1, 1] → [0.5, 0.5].
        // Shift = [ln(0.5/0.75), ln(0.5/0.25)] = [ln(2/3), ln 2] = [−0.4054651, 0.6931472]; weights 1 add nothing.
        var logits = new float[,] { { 0f, 0f } };

        // Act
        float[,] shifted = PriorCorrection.Apply(logits, [1f, 1f], trainingPrior: [3, 1], deploymentPrior: [1, 1]);

        // Assert
        shifted[0, 0].Should().BeApproximately((float)Math.Log(2.0 / 3.0), 1e-6f);
        shifted[0, 1].Should().BeApproximately((float)Math.Log(2.0), 1e-6f);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void When_a_weight_is_not_positive_and_finite_it_should_throw(float bad)
    {
        // Arrange
        var logits = new float[,] { { 0f, 0f } };

        // Act
        Action act = () => PriorCorrection.Apply(logits, [1f, bad]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*class 1*positive and finite*");
    }

    [Fact]
    public void When_weight_count_differs_from_the_class_count_it_should_throw()
    {
        // Arrange
        var logits = new float[,] { { 0f, 0f, 0f } };

        // Act
        Action act = () => PriorCorrection.Apply(logits, [1f, 2f]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*2 class weights*3 columns*");
    }

    [Fact]
    public void When_only_one_prior_is_given_it_should_throw()
    {
        // Arrange
        var logits = new float[,] { { 0f, 0f } };

        // Act
        Action act = () => PriorCorrection.Apply(logits, [1f, 1f], trainingPrior: [0.5, 0.5]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*both*");
    }

    [Fact]
    public void When_a_prior_has_a_zero_entry_it_should_throw()
    {
        // Arrange
        var logits = new float[,] { { 0f, 0f } };

        // Act
        Action act = () => PriorCorrection.Apply(logits, [1f, 1f], [0.5, 0.5], [1, 0]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*deploymentPrior*class 1*");
    }
}
