using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;
using Xunit.Abstractions;

namespace MultiHeadClassifier.Tests.Calibration;

/// <summary>
/// End-to-end property on synthetic data with known priors (1:2:4:8:16) and skew: weighted training biases the
/// raw probabilities, and subtracting ln w removes that bias.
/// </summary>
public class PriorCorrectionEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public void When_a_model_trained_with_balanced_weights_is_prior_corrected_it_should_approach_the_unweighted_models_NLL_and_ECE()
    {
        // Arrange
        var all = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 24_000, Features = 8, Noise = 0.6, Seed = 21 });
        var train = all.Slice(0, 12_000);
        var valid = all.Slice(12_000, 4_000);
        var test = all.Slice(16_000, 8_000);
        MultiHeadModel Train(ClassWeighting weighting)
        {
            var model = MultiHeadModel.Create(8, TestData.Heads(weighting), new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [32] } });
            new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 10, BatchSize = 256, LearningRate = 3e-3, Seed = 1 }).Fit(model, train);
            return model;
        }

        using var unweighted = Train(ClassWeighting.None);
        using var weighted = Train(ClassWeighting.Balanced());

        // Act
        var reference = ModelEvaluator.Evaluate(unweighted, test).Mean;
        var raw = ModelEvaluator.Evaluate(weighted, test).Mean;
        var corrected = ModelEvaluator.Evaluate(weighted, test, LogitCorrection.Prior).Mean;
        weighted.Temperatures = ModelCorrections.FitTemperatures(weighted, valid);
        var scaled = ModelEvaluator.Evaluate(weighted, test, LogitCorrection.PriorAndTemperature).Mean;
        output.WriteLine($"unweighted          NLL {reference.Nll:F4}  ECE {reference.Ece:F4}");
        output.WriteLine($"balanced, raw       NLL {raw.Nll:F4}  ECE {raw.Ece:F4}");
        output.WriteLine($"balanced, prior     NLL {corrected.Nll:F4}  ECE {corrected.Ece:F4}");
        output.WriteLine($"balanced, prior+T   NLL {scaled.Nll:F4}  ECE {scaled.Ece:F4}");

        // Assert: raw weighted logits are clearly worse than the unweighted model...
        raw.Nll.Should().BeGreaterThan(reference.Nll!.Value + 0.05);
        raw.Ece.Should().BeGreaterThan(reference.Ece!.Value + 0.01);
        // ...prior correction brings NLL within a small margin of the unweighted model and clearly improves ECE...
        corrected.Nll.Should().BeLessThan(reference.Nll.Value + 0.02);
        corrected.Ece.Should().BeLessThan(raw.Ece!.Value * 0.7);
        // ...and temperature scaling on held-out data does not make NLL meaningfully worse.
        scaled.Nll.Should().BeLessThan(corrected.Nll!.Value + 0.005);
    }
}
