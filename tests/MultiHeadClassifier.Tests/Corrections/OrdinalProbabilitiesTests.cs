using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Corrections;

/// <summary>Class probabilities from CORN and CORAL outputs, and the prior correction of weighted ordinal heads.</summary>
public class OrdinalProbabilitiesTests
{
    [Fact]
    public void When_CORN_outputs_are_turned_into_probabilities_it_should_multiply_the_conditional_sigmoids()
    {
        // σ(0) = 1/2, σ(ln 3) = 3/4: P(y > 0) = 1/2, P(y > 1) = 1/2 · 3/4 = 3/8; p = (1/2, 1/8, 3/8).
        var prediction = new MultiHeadPrediction(
            new Dictionary<string, float[,]> { ["r"] = new float[,] { { 0f, MathF.Log(3) } } },
            new Dictionary<string, HeadLoss> { ["r"] = HeadLoss.Corn });

        var p = ModelCorrections.Probabilities(prediction)["r"];

        new[] { p[0, 0], p[0, 1], p[0, 2] }.Should().Equal([0.5, 0.125, 0.375], (a, b) => Math.Abs(a - b) < 1e-7);
    }

    [Fact]
    public void When_CORAL_outputs_are_not_monotone_it_should_make_the_cumulative_probabilities_non_increasing()
    {
        // σ = (0.4, 0.6) would give P(y > 1) > P(y > 0); the running minimum makes both 0.4: p = (0.6, 0, 0.4).
        float z0 = MathF.Log(0.4f / 0.6f);
        float z1 = MathF.Log(0.6f / 0.4f);
        var prediction = new MultiHeadPrediction(
            new Dictionary<string, float[,]> { ["r"] = new float[,] { { z0, z1 } } },
            new Dictionary<string, HeadLoss> { ["r"] = HeadLoss.Coral });

        var p = ModelCorrections.Probabilities(prediction)["r"];

        new[] { p[0, 0], p[0, 1], p[0, 2] }.Should().Equal([0.6, 0.0, 0.4], (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Theory]
    [InlineData(HeadLoss.Corn)]
    [InlineData(HeadLoss.Coral)]
    public void When_a_weighted_ordinal_head_learns_a_constant_input_it_should_recover_the_class_frequencies_after_prior_correction(HeadLoss kind)
    {
        // Arrange: every row has the same features, so the head can only learn a distribution over classes. At the
        // optimum of the weighted loss that distribution is q_c ∝ w_c·p_c (any proper loss, any parametrisation
        // able to represent it, which CORN and CORAL are here); prior correction divides by w and renormalises.
        int[] counts = [600, 250, 100, 50];
        int rows = counts.Sum();
        var labels = new int[rows, 1];
        int row = 0;
        for (int c = 0; c < counts.Length; c++)
        {
            for (int i = 0; i < counts[c]; i++)
            {
                labels[row++, 0] = c;
            }
        }

        var data = new MultiHeadDataset(new float[rows, 2], labels, ["r"]);
        using var model = MultiHeadModel.Create(2, [new HeadDefinition("r", 4, weighting: ClassWeighting.Balanced(), loss: kind)], new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [4] } });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1000, BatchSize = rows, LearningRate = 0.05, Shuffle = false }).Fit(model, data);
        var one = data.Slice(0, 1);

        // Act
        var raw = ModelCorrections.Probabilities(model.Predict(one))["r"];
        var corrected = ModelCorrections.Probabilities(ModelCorrections.Apply(model, model.Predict(one), LogitCorrection.Prior))["r"];

        // Assert: balanced weights n/(K·count) make the weighted distribution uniform; the correction undoes them.
        for (int c = 0; c < 4; c++)
        {
            raw[0, c].Should().BeApproximately(0.25, 0.01, $"class {c} under the weighted optimum");
            corrected[0, c].Should().BeApproximately(counts[c] / (double)rows, 0.01, $"class {c} after prior correction");
        }
    }

    [Theory]
    [InlineData(HeadLoss.Corn)]
    [InlineData(HeadLoss.Coral)]
    public void When_an_ordinal_model_is_evaluated_it_should_give_K_probabilities_that_sum_to_one_and_lower_NLL_with_temperature(HeadLoss kind)
    {
        // Arrange
        var data = TestData.Ratings(1500, seed: 3);
        var heads = TestData.HeadNames.Select(n => new HeadDefinition(n, 5, weighting: ClassWeighting.Balanced(), loss: kind)).ToArray();
        using var model = MultiHeadModel.Create(8, heads, new MultiHeadModelOptions { Seed = 2, Backbone = new() { HiddenSizes = [16] } });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 5 }).Fit(model, data.Slice(0, 1000));
        var (heldOut, test) = (data.Slice(1000, 250), data.Slice(1250, 250));

        // Act
        var raw = model.Predict(test);
        model.Temperatures = ModelCorrections.FitTemperatures(model, heldOut);
        var prior = ModelEvaluator.Evaluate(model, heldOut, LogitCorrection.Prior);
        var both = ModelEvaluator.Evaluate(model, heldOut, LogitCorrection.PriorAndTemperature);
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, raw, LogitCorrection.PriorAndTemperature));

        // Assert
        raw["plot"].GetLength(1).Should().Be(4, "K−1 threshold outputs");
        raw.Kinds["plot"].Should().Be(kind);
        probabilities["plot"].GetLength(1).Should().Be(5);
        for (int r = 0; r < 20; r++)
        {
            Enumerable.Range(0, 5).Sum(c => probabilities["plot"][r, c]).Should().BeApproximately(1.0, 1e-6);
        }

        both.Mean.Nll!.Value.Should().BeLessThanOrEqualTo(prior.Mean.Nll!.Value + 1e-9, "the temperature is fitted to lower this NLL");
    }
}
