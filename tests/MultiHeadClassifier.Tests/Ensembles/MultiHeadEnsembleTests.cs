using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Ensembles;

public sealed class MultiHeadEnsembleTests : IDisposable
{
    private static readonly MultiHeadModelOptions ModelOptions = new() { Backbone = new() { HiddenSizes = [8], Dropout = 0.1 } };
    private static readonly MultiHeadTrainerOptions TrainerOptions = new() { Epochs = 3, LearningRate = 3e-3 };
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-ensemble-").FullName;
    private readonly MultiHeadDataset _data = TestData.Ratings(900, seed: 4);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static HeadDefinition[] Heads() =>
        [.. TestData.HeadNames.Select((n, i) => new HeadDefinition(n, 5, weighting: ClassWeighting.Balanced(), loss: i == 1 ? HeadLoss.Corn : HeadLoss.CrossEntropy))];

    [Fact]
    public void When_an_ensemble_is_trained_each_member_should_be_the_single_run_with_its_seed_and_it_should_predict_their_mean()
    {
        // Arrange
        var train = _data.Slice(0, 600);
        var rows = _data.Slice(600, 50);

        // Act
        using var ensemble = MultiHeadEnsemble.Train(8, Heads(), members: 3, seed: 10, ModelOptions, TrainerOptions, train);
        var mean = ensemble.Probabilities(rows, LogitCorrection.Prior);

        // Assert: member i equals a model trained alone with seed 10 + i; the ensemble averages their corrected probabilities.
        var expected = new double[50, 5];
        for (int i = 0; i < 3; i++)
        {
            using var single = MultiHeadModel.Create(8, Heads(), ModelOptions with { Seed = 10 + i });
            new MultiHeadTrainer(TrainerOptions with { Seed = 10 + i }).Fit(single, train);
            TestData.Flatten(ensemble.Members[i].Network.parameters()).Should().Equal(TestData.Flatten(single.Network.parameters()));
            var p = ModelCorrections.Probabilities(ModelCorrections.Apply(single, single.Predict(rows), LogitCorrection.Prior))["dialog"];
            for (int r = 0; r < 50; r++)
            {
                for (int c = 0; c < 5; c++)
                {
                    expected[r, c] += p[r, c] / 3;
                }
            }
        }

        mean["dialog"].Cast<double>().Should().Equal(expected.Cast<double>(), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void When_temperatures_are_fitted_on_the_mean_it_should_not_raise_its_held_out_NLL_and_keep_them_through_a_save()
    {
        // Arrange
        using var ensemble = MultiHeadEnsemble.Train(8, Heads(), members: 2, seed: 3, ModelOptions, TrainerOptions, _data.Slice(0, 600));
        var heldOut = _data.Slice(600, 300);
        string path = Path.Combine(_folder, "ensemble.mhce");

        // Act
        ensemble.Temperatures = ensemble.FitTemperatures(heldOut);
        var prior = ModelEvaluator.Evaluate(ensemble, heldOut, LogitCorrection.Prior);
        var both = ModelEvaluator.Evaluate(ensemble, heldOut, LogitCorrection.PriorAndTemperature);
        ensemble.Save(path);
        using var loaded = MultiHeadEnsemble.Load(path);

        // Assert
        both.Mean.Nll!.Value.Should().BeLessThanOrEqualTo(prior.Mean.Nll!.Value + 1e-9);
        loaded.Members.Should().HaveCount(2);
        loaded.Temperatures!.PerHead.Should().Equal(ensemble.Temperatures.PerHead);
        loaded.Probabilities(heldOut, LogitCorrection.PriorAndTemperature)["plot"].Cast<double>()
            .Should().Equal(ensemble.Probabilities(heldOut, LogitCorrection.PriorAndTemperature)["plot"].Cast<double>());
    }

    [Fact]
    public void When_an_ensemble_is_evaluated_it_should_accept_every_decision_rule()
    {
        // Arrange
        using var ensemble = MultiHeadEnsemble.Train(8, Heads(), members: 2, seed: 3, ModelOptions, TrainerOptions, _data.Slice(0, 600));
        var heldOut = _data.Slice(600, 150);
        var test = _data.Slice(750, 150);
        DecisionRule[] rules = [DecisionRule.Argmax, DecisionRule.Median, DecisionRule.ExpectedValue, DecisionRule.BalancedArgmax, ThresholdFitting.Fit(ensemble, heldOut, LogitCorrection.Prior)];

        // Act
        var reports = rules.Select(rule => ModelEvaluator.Evaluate(ensemble, test, LogitCorrection.Prior, rule)).ToList();

        // Assert
        reports.Should().OnlyContain(r => r.Mean.Qwk != null && r.Mean.Accuracy > 0);
    }

    [Fact]
    public void When_members_differ_in_heads_it_should_refuse_them()
    {
        // Arrange
        using var a = MultiHeadModel.Create(8, Heads());
        using var b = MultiHeadModel.Create(8, TestData.Heads());

        // Act
        var act = () => new MultiHeadEnsemble([a, b]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Member 1 has another input width or other heads than member 0*");
    }
}
