using FluentAssertions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

public class QuadraticWeightedKappaTests
{
    [Fact]
    public void When_three_classes_are_present_it_should_match_the_hand_computed_kappa()
    {
        // Arrange: fixture A of ClassificationMetricsTests (K = 4, rows labelled −1 ignored). Present labels
        // {0, 1, 2}; class 3 is absent and not in the label set.
        //   O = [[2,1,0],[1,2,0],[1,1,0]], row sums r = [3,3,2], column sums c = [4,4,0], n = 8, w = (i − j)².
        //   Σ w·O = 1·O01 + 1·O10 + 4·O20 + 1·O21 = 1 + 1 + 4 + 1 = 7
        //   Σ w·r_i·c_j = 3·(1·4) + 3·(1·4) + 2·(4·4 + 1·4) = 12 + 12 + 40 = 64 → Σ w·E = 64 / 8 = 8
        //   kappa = 1 − 7/8 = 0.125
        int[] labels = [0, 0, 1, 1, 1, 2, -1, 0, 2, -1];
        int[] predictions = [0, 1, 1, 1, 0, 1, 3, 0, 0, 2];

        // Act
        KappaResult kappa = QuadraticWeightedKappa.Compute(labels, predictions, 4);

        // Assert
        kappa.Value.Should().BeApproximately(0.125, 1e-12);
        kappa.UndefinedReason.Should().BeNull();
    }

    [Fact]
    public void When_a_class_in_the_middle_is_absent_it_should_weight_by_position_in_the_present_labels()
    {
        // Arrange: K = 4, classes {0, 1, 3} present (2 absent) → positions 0, 1, 2; class 3 is ONE step from 1.
        // Pairs (0,1) (1,1) (3,3) (3,0) (3,3) → positions (0,1) (1,1) (2,2) (2,0) (2,2).
        //   O = [[0,1,0],[0,1,0],[1,0,2]], r = [1,1,3], c = [1,2,2], n = 5.
        //   Σ w·O = 1·1 (0→1) + 4·1 (2→0) = 5
        //   Σ w·r_i·c_j: i=0: 1·(1·2 + 4·2) = 10; i=1: 1·(1·1 + 1·2) = 3; i=2: 3·(4·1 + 1·2) = 18 → 31; Σ w·E = 31/5
        //   kappa = 1 − 5 / (31/5) = 1 − 25/31 = 6/31 ≈ 0.19355
        // Weighting by class values instead ((1−3)² = 4, (0−3)² = 9) would give 1 − 10/16 = 0.375.
        int[] labels = [0, 1, 3, 3, 3];
        int[] predictions = [1, 1, 3, 0, 3];

        // Act
        KappaResult kappa = QuadraticWeightedKappa.Compute(labels, predictions, 4);

        // Assert
        kappa.Value.Should().BeApproximately(6.0 / 31.0, 1e-12);
    }

    [Fact]
    public void When_predictions_are_perfect_it_should_be_one()
    {
        // Arrange: Σ w·O = 0 (all counts on the diagonal) and Σ w·E > 0, so kappa = 1 − 0 = 1.
        int[] labels = [0, 1, 2, 2];

        // Act
        KappaResult kappa = QuadraticWeightedKappa.Compute(labels, [0, 1, 2, 2], 3);

        // Assert
        kappa.Value.Should().Be(1.0);
    }

    [Fact]
    public void When_only_one_class_is_present_it_should_be_undefined_with_a_reason_not_NaN()
    {
        // Arrange: labelled rows are all class 2, predicted 2; row 2 (missing) predicts 0 and is ignored.
        // The label set is {2}: Σ w·E = 0 and scikit-learn would return 0/0 = NaN.
        int[] labels = [2, 2, -1];
        int[] predictions = [2, 2, 0];

        // Act
        KappaResult kappa = QuadraticWeightedKappa.Compute(labels, predictions, 3);

        // Assert
        kappa.Value.Should().BeNull();
        kappa.UndefinedReason.Should().Be(QuadraticWeightedKappa.SingleClassReason);
    }

    [Fact]
    public void When_no_row_is_labelled_it_should_be_undefined_with_a_reason()
    {
        // Act
        KappaResult kappa = QuadraticWeightedKappa.Compute([-1, -1], [0, 1], 2);

        // Assert
        kappa.Value.Should().BeNull();
        kappa.UndefinedReason.Should().Be(QuadraticWeightedKappa.NoLabelsReason);
    }
}
