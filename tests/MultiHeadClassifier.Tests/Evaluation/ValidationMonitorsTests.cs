using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

public class ValidationMonitorsTests
{
    [Fact]
    public void When_the_monitor_is_qwk_it_should_record_it_per_epoch_and_end_on_the_best_epoch_by_it()
    {
        // Arrange
        var data = TestData.Ratings(1500, seed: 12, noise: 0.6);
        var (train, valid) = (data.Slice(0, 1000), data.Slice(1000, 500));
        using var model = MultiHeadModel.Create(8, TestData.Heads(ClassWeighting.Balanced()), new MultiHeadModelOptions { Seed = 6, Backbone = new() { HiddenSizes = [16] } });
        var options = new MultiHeadTrainerOptions { Epochs = 12, LearningRate = 5e-3, EarlyStoppingPatience = 3, Monitor = ValidationMonitors.Qwk };

        // Act
        var history = new MultiHeadTrainer(options).Fit(model, train, valid);
        double finalQwk = ModelEvaluator.Evaluate(model, valid, LogitCorrection.Prior, DecisionRule.Median).Mean.Qwk!.Value;

        // Assert: the kept weights are the best epoch's by the monitor, measured again here independently.
        var best = history.Epochs.MaxBy(e => e.Monitored!.Value)!;
        history.BestEpoch.Should().Be(best.Epoch);
        finalQwk.Should().BeApproximately(best.Monitored!.Value, 1e-9);
    }

    [Fact]
    public void When_the_monitor_is_the_default_loss_it_should_record_the_validation_loss()
    {
        // Arrange
        var data = TestData.Ratings(600, seed: 2);
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 6 });

        // Act
        var history = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 3 }).Fit(model, data.Slice(0, 400), data.Slice(400, 200));

        // Assert
        history.Epochs.Should().OnlyContain(e => e.Monitored == e.ValidationLoss);
    }

    [Theory]
    [InlineData("loss", false)]
    [InlineData("NLL", false)]
    [InlineData("balanced_accuracy", true)]
    [InlineData("macro_f1", true)]
    [InlineData("qwk", true)]
    [InlineData("mae", false)]
    public void When_a_monitor_is_parsed_by_name_it_should_know_its_direction(string name, bool higherIsBetter)
    {
        // Act
        var monitor = ValidationMonitors.Parse(name);

        // Assert
        monitor.Name.Should().Be(name.ToLowerInvariant());
        monitor.HigherIsBetter.Should().Be(higherIsBetter);
    }

    [Fact]
    public void When_a_monitor_name_is_unknown_it_should_list_the_names()
    {
        // Act
        var act = () => ValidationMonitors.Parse("auc");

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*'auc'*loss, nll, balanced_accuracy, macro_f1, qwk, mae*");
    }
}
