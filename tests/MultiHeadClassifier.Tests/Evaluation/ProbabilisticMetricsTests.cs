using FluentAssertions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

public class ProbabilisticMetricsTests
{
    // K = 3. Row 3 is missing and ignored. Row 4 gives the true class probability 0 (clipped to ε = 2^−52).
    //   row 0: p = [0.7, 0.2, 0.1],   y = 0 → −ln 0.7;  Brier (0.7−1)² + 0.2² + 0.1² = 0.09 + 0.04 + 0.01 = 0.14
    //   row 1: p = [0.1, 0.6, 0.3],   y = 2 → −ln 0.3;  Brier 0.1² + 0.6² + (0.3−1)² = 0.01 + 0.36 + 0.49 = 0.86
    //   row 2: p = [0.25, 0.25, 0.5], y = 2 → −ln 0.5;  Brier 0.0625 + 0.0625 + 0.25 = 0.375
    //   row 4: p = [1, 0, 0],         y = 1 → −ln ε = 52·ln 2; Brier 1 + 1 + 0 = 2
    // NLL = (−ln 0.7 − ln 0.3 − ln 0.5 + 52 ln 2) / 4; Brier = (0.14 + 0.86 + 0.375 + 2) / 4 = 3.375 / 4 = 0.84375
    internal static readonly double[,] Probabilities =
    {
        { 0.7, 0.2, 0.1 },
        { 0.1, 0.6, 0.3 },
        { 0.25, 0.25, 0.5 },
        { 0.2, 0.3, 0.5 },
        { 1.0, 0.0, 0.0 },
    };

    internal static readonly int[] Labels = [0, 2, 2, -1, 1];

    [Fact]
    public void When_a_true_class_has_probability_zero_it_should_clip_it_to_machine_epsilon()
    {
        // Arrange
        double expected = (-Math.Log(0.7) - Math.Log(0.3) - Math.Log(0.5) + (52 * Math.Log(2))) / 4;

        // Act
        double? nll = ProbabilisticMetrics.NegativeLogLikelihood(Labels, Probabilities);

        // Assert
        nll.Should().BeApproximately(expected, 1e-12);
    }

    [Fact]
    public void When_the_brier_score_is_computed_it_should_sum_over_classes_without_dividing_by_k()
    {
        // Act
        double? brier = ProbabilisticMetrics.BrierScore(Labels, Probabilities);

        // Assert
        brier.Should().BeApproximately(0.84375, 1e-12);
    }

    [Fact]
    public void When_a_row_is_slightly_off_one_it_should_renormalise_it_before_the_log()
    {
        // Arrange: [0.4, 0.6004] sums to 1.0004 (within tolerance); p_y = 0.6004 / 1.0004 after renormalising.
        var p = new double[,] { { 0.4, 0.6004 } };

        // Act
        double? nll = ProbabilisticMetrics.NegativeLogLikelihood([1], p);

        // Assert
        nll.Should().BeApproximately(-Math.Log(0.6004 / 1.0004), 1e-12);
    }

    [Fact]
    public void When_every_label_is_missing_it_should_return_null()
    {
        // Act
        double? nll = ProbabilisticMetrics.NegativeLogLikelihood([-1, -1, -1, -1, -1], Probabilities);
        double? brier = ProbabilisticMetrics.BrierScore([-1, -1, -1, -1, -1], Probabilities);

        // Assert
        nll.Should().BeNull();
        brier.Should().BeNull();
    }

    [Fact]
    public void When_labels_and_rows_differ_in_count_it_should_throw()
    {
        // Act
        Action act = () => ProbabilisticMetrics.BrierScore([0, 1], Probabilities);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*2 labels but 5 rows*");
    }
}
