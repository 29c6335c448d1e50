using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Decisions;

/// <summary>The rules that start from calibrated probabilities: balanced argmax and fitted thresholds.</summary>
public class CalibratedDecisionRuleTests
{
    private static MultiHeadModel Trained(out MultiHeadDataset heldOut, out MultiHeadDataset test)
    {
        var data = TestData.Ratings(2000, seed: 9, noise: 0.6);
        var model = MultiHeadModel.Create(8, TestData.Heads(ClassWeighting.Balanced()), new MultiHeadModelOptions { Seed = 4, Backbone = new() { HiddenSizes = [16] } });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 8, LearningRate = 3e-3 }).Fit(model, data.Slice(0, 1200));
        (heldOut, test) = (data.Slice(1200, 400), data.Slice(1600, 400));
        return model;
    }

    [Fact]
    public void When_the_balanced_rule_decides_it_should_take_the_argmax_of_probability_over_training_prior()
    {
        // Arrange: p = (0.6, 0.4) and π = (0.8, 0.2): p/π = (0.75, 2.0), so class 1, where argmax says 0.
        using var model = MultiHeadModel.Create(2, [new HeadDefinition("r", 2)]);
        var labels = new int[10, 1];
        for (int r = 8; r < 10; r++)
        {
            labels[r, 0] = 1;
        }

        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1 }).Fit(model, new MultiHeadDataset(new float[10, 2], labels));
        double[,] p = { { 0.6, 0.4 } };

        // Act
        int[] balanced = DecisionRule.BalancedArgmax.ForHead(model, "r").Decide(p);
        var unbound = () => DecisionRule.BalancedArgmax.Decide(p);

        // Assert
        model.ClassPriors!["r"].Should().Equal(0.8, 0.2);
        balanced.Should().Equal(1);
        DecisionRule.Argmax.Decide(p).Should().Equal(0);
        unbound.Should().Throw<InvalidOperationException>().WithMessage("*ForHead(model, head)*");
    }

    [Fact]
    public void When_probabilities_are_calibrated_it_should_give_the_balanced_rule_a_higher_balanced_accuracy_than_argmax()
    {
        // Arrange: labels drawn from known probabilities under a skewed prior. The Bayes rule for balanced accuracy
        // is argmax p/π, so on calibrated probabilities it must beat argmax on that metric, given enough rows.
        var random = new Random(5);
        double[] prior = [0.7, 0.2, 0.1];
        int rows = 20000;
        var probabilities = new double[rows, 3];
        var truth = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            double[] scores = [.. prior.Select(q => q * Math.Exp(2 * random.NextDouble()))];
            for (int c = 0; c < 3; c++)
            {
                probabilities[r, c] = scores[c] / scores.Sum();
            }

            double u = random.NextDouble();
            truth[r] = u < probabilities[r, 0] ? 0 : u < probabilities[r, 0] + probabilities[r, 1] ? 1 : 2;
        }

        double[] empirical = [.. Enumerable.Range(0, 3).Select(c => truth.Count(y => y == c) / (double)rows)];

        // Act
        var balanced = HeadEvaluator.Evaluate("r", truth, probabilities, new BalancedArgmaxDecisionRule(empirical).Decide(probabilities), 3);
        var argmax = HeadEvaluator.Evaluate("r", truth, probabilities, DecisionRule.Argmax.Decide(probabilities), 3);

        // Assert
        balanced.Metrics.BalancedAccuracy!.Value.Should().BeGreaterThan(argmax.Metrics.BalancedAccuracy!.Value + 0.02);
    }

    [Fact]
    public void When_cut_points_are_given_it_should_count_the_cut_points_the_expected_rating_reaches()
    {
        // p = (0.2, 0.5, 0.3): E = 0·0.2 + 1·0.5 + 2·0.3 = 1.1.
        double[,] p = { { 0.2, 0.5, 0.3 } };

        DecisionRule.ExpectedValueCuts([0.5, 1.5]).Decide(p).Should().Equal(1);
        DecisionRule.ExpectedValueCuts([0.5, 1.0]).Decide(p).Should().Equal(2);
        DecisionRule.ExpectedValueCuts([1.2, 1.3]).Decide(p).Should().Equal(0);
        var decreasing = () => DecisionRule.ExpectedValueCuts([1.5, 0.5]);
        decreasing.Should().Throw<ArgumentException>().WithMessage("*non-decreasing*");
    }

    [Fact]
    public void When_thresholds_are_fitted_it_should_never_lower_the_held_out_QWK_of_rounding()
    {
        // Arrange
        using var model = Trained(out var heldOut, out _);

        // Act
        var fitted = ThresholdFitting.Fit(model, heldOut, LogitCorrection.Prior);
        var withCuts = ModelEvaluator.Evaluate(model, heldOut, LogitCorrection.Prior, fitted);
        var rounded = ModelEvaluator.Evaluate(model, heldOut, LogitCorrection.Prior, DecisionRule.ExpectedValue);

        // Assert: the search starts at the rounded expected value and only accepts strict improvements.
        foreach (var head in TestData.HeadNames)
        {
            withCuts.Heads[head].Metrics.Qwk!.Value.Should().BeGreaterThanOrEqualTo(rounded.Heads[head].Metrics.Qwk!.Value - 1e-12, head);
        }

        fitted.Name.Should().Be("thresholds");
        var unfitted = () => ModelEvaluator.Evaluate(model, heldOut, LogitCorrection.Prior, DecisionRule.Thresholds);
        unfitted.Should().Throw<InvalidOperationException>().WithMessage("*ThresholdFitting.Fit*");
    }
}
