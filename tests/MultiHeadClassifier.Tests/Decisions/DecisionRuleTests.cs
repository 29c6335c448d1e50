using FluentAssertions;
using MultiHeadClassifier.Decisions;
using Xunit;

namespace MultiHeadClassifier.Tests.Decisions;

public class DecisionRuleTests
{
    // p = [0.35, 0.20, 0, 0, 0.45] over classes 0..4:
    //   argmax   → class 4 (0.45 is the largest);
    //   median   → cumulative 0.35, 0.55 → first ≥ 0.5 at class 1;
    //   expected → Σ c·p_c = 1·0.20 + 4·0.45 = 2.0 → class 2.
    private static readonly double[,] Disagreeing = { { 0.35, 0.20, 0, 0, 0.45 } };

    [Fact]
    public void When_the_distribution_is_bimodal_it_should_let_argmax_pick_the_mode()
    {
        // Act
        int[] predicted = DecisionRule.Argmax.Decide(Disagreeing);

        // Assert
        predicted.Should().Equal(4);
    }

    [Fact]
    public void When_the_distribution_is_bimodal_it_should_let_the_median_pick_the_first_class_reaching_half()
    {
        // Act
        int[] predicted = DecisionRule.Median.Decide(Disagreeing);

        // Assert
        predicted.Should().Equal(1);
    }

    [Fact]
    public void When_the_distribution_is_bimodal_it_should_let_the_expected_value_pick_the_rounded_mean()
    {
        // Act
        int[] predicted = DecisionRule.ExpectedValue.Decide(Disagreeing);

        // Assert
        predicted.Should().Equal(2);
    }

    [Fact]
    public void When_the_expected_value_is_a_midpoint_it_should_round_up()
    {
        // Arrange: [0.5, 0.5] → 0.5 → 1; [0, 0.5, 0.5] → 1.5 → 2. Argmax ties go to the lower class (0 and 1),
        // and the median stops where the cumulative sum first reaches 0.5 (classes 0 and 1).
        var twoClass = new double[,] { { 0.5, 0.5 } };
        var threeClass = new double[,] { { 0, 0.5, 0.5 } };

        // Act
        int expectedTwo = DecisionRule.ExpectedValue.Decide(twoClass)[0];
        int expectedThree = DecisionRule.ExpectedValue.Decide(threeClass)[0];
        int argmaxThree = DecisionRule.Argmax.Decide(threeClass)[0];
        int medianTwo = DecisionRule.Median.Decide(twoClass)[0];
        int medianThree = DecisionRule.Median.Decide(threeClass)[0];

        // Assert
        expectedTwo.Should().Be(1);
        expectedThree.Should().Be(2);
        argmaxThree.Should().Be(1);
        medianTwo.Should().Be(0);
        medianThree.Should().Be(1);
    }

    [Fact]
    public void When_missing_the_top_class_is_expensive_it_should_pick_the_class_with_least_expected_cost()
    {
        // Arrange: p = [0.5, 0.3, 0.2]; cost[true, predicted] below. Expected cost of predicting j:
        //   j = 0: 0.5·0 + 0.3·1 + 0.2·10 = 2.3
        //   j = 1: 0.5·1 + 0.3·0 + 0.2·10 = 2.5
        //   j = 2: 0.5·1 + 0.3·1 + 0.2·0  = 0.8  ← minimum, although argmax is class 0.
        var cost = new double[,] { { 0, 1, 1 }, { 1, 0, 1 }, { 10, 10, 0 } };
        var p = new double[,] { { 0.5, 0.3, 0.2 } };

        // Act
        int[] predicted = DecisionRule.MinimumExpectedCost(cost).Decide(p);

        // Assert
        predicted.Should().Equal(2);
        DecisionRule.Argmax.Decide(p).Should().Equal(0);
    }

    [Fact]
    public void When_the_cost_is_the_absolute_distance_it_should_agree_with_the_median()
    {
        // Arrange: Σ_i p_i·|i − j| for the bimodal row: j=0: 0.2 + 1.8 = 2.0; j=1: 0.35 + 1.35 = 1.7;
        // j=2: 0.7 + 0.2 + 0.9 = 1.8; j=3: 1.05 + 0.4 + 0.45 = 1.9; j=4: 1.4 + 0.6 = 2.0 → class 1.
        var cost = new double[5, 5];
        for (int i = 0; i < 5; i++)
        {
            for (int j = 0; j < 5; j++)
            {
                cost[i, j] = Math.Abs(i - j);
            }
        }

        // Act
        int[] predicted = DecisionRule.MinimumExpectedCost(cost).Decide(Disagreeing);

        // Assert
        predicted.Should().Equal(1);
    }

    [Fact]
    public void When_the_cost_matrix_is_not_square_it_should_throw()
    {
        // Act
        Action act = () => DecisionRule.MinimumExpectedCost(new double[2, 3]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*2 x 3*square*");
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void When_a_cost_is_negative_or_not_finite_it_should_name_the_entry(double bad)
    {
        // Arrange
        var cost = new double[,] { { 0, 1 }, { bad, 0 } };

        // Act
        Action act = () => DecisionRule.MinimumExpectedCost(cost);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*cost[1, 0]*");
    }

    [Fact]
    public void When_the_probabilities_have_a_different_class_count_than_the_cost_it_should_throw()
    {
        // Arrange
        DecisionRule rule = DecisionRule.MinimumExpectedCost(new double[,] { { 0, 1 }, { 1, 0 } });

        // Act
        Action act = () => rule.Decide(new double[,] { { 0.2, 0.3, 0.5 } });

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*3 columns*2 x 2*");
    }

    [Fact]
    public void When_the_cost_matrix_is_changed_after_creation_it_should_keep_its_own_copy()
    {
        // Arrange
        var cost = new double[,] { { 0, 1 }, { 1, 0 } };
        DecisionRule rule = DecisionRule.MinimumExpectedCost(cost);
        cost[1, 0] = 100;

        // Act: with the original 0-1 cost, p = [0.6, 0.4] gives class 0; with 100 it would give class 1.
        int[] predicted = rule.Decide(new double[,] { { 0.6, 0.4 } });

        // Assert
        predicted.Should().Equal(0);
    }

    [Fact]
    public void When_a_probability_row_does_not_sum_to_one_it_should_name_the_row()
    {
        // Arrange: row 1 looks like logits.
        var p = new double[,] { { 0.5, 0.5 }, { 2.0, 1.0 } };

        // Act
        Action act = () => DecisionRule.Median.Decide(p);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*row 1 sum to 3*");
    }

    [Fact]
    public void When_a_probability_is_NaN_it_should_name_the_row_and_column()
    {
        // Arrange
        var p = new double[,] { { 0.5, double.NaN } };

        // Act
        Action act = () => DecisionRule.Argmax.Decide(p);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*row 0, column 1 is NaN*");
    }

    [Theory]
    [InlineData("argmax", 4)]
    [InlineData("median", 1)]
    [InlineData("expected-value", 2)]
    public void When_parsed_from_its_name_it_should_behave_like_the_named_rule(string name, int expected)
    {
        // Act
        int[] predicted = DecisionRule.Parse(name).Decide(Disagreeing);

        // Assert
        predicted.Should().Equal(expected);
    }
}
