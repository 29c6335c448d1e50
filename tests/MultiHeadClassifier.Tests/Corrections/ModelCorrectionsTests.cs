using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Corrections;

public class ModelCorrectionsTests
{
    private static (MultiHeadModel Model, MultiHeadDataset HeldOut) Trained()
    {
        var data = TestData.Ratings(500, seed: 6);
        var model = MultiHeadModel.Create(8, TestData.Heads(ClassWeighting.Balanced()), new MultiHeadModelOptions { Seed = 2, Backbone = new() { HiddenSizes = [16] } });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 2 }).Fit(model, data.Slice(0, 400));
        return (model, data.Slice(400, 100));
    }

    [Fact]
    public void When_temperatures_are_fitted_it_should_return_them_and_leave_the_model_unchanged()
    {
        // Arrange
        var (model, heldOut) = Trained();
        using var owned = model;

        // Act
        var temperatures = ModelCorrections.FitTemperatures(model, heldOut);

        // Assert
        model.Temperatures.Should().BeNull("fitting is not attaching");
        temperatures.AfterPriorCorrection.Should().BeTrue();
        temperatures.PerHead.Keys.Should().Equal(TestData.HeadNames);
        temperatures.FittedOn.Should().Be(DataFingerprint.Of(heldOut));
    }

    [Fact]
    public void When_temperatures_are_passed_or_attached_it_should_give_the_same_logits_z_minus_ln_w_over_t()
    {
        // Arrange
        var (model, heldOut) = Trained();
        using var owned = model;
        var temperatures = ModelCorrections.FitTemperatures(model, heldOut);
        var raw = model.Predict(heldOut);

        // Act
        var passed = ModelCorrections.Apply(model, raw, LogitCorrection.PriorAndTemperature, temperatures);
        model.Temperatures = temperatures;
        var attached = ModelCorrections.Apply(model, raw, LogitCorrection.PriorAndTemperature);

        // Assert: (z_c − ln w_c) / T, computed here for one entry of each head.
        foreach (string head in TestData.HeadNames)
        {
            passed[head].Cast<float>().Should().Equal(attached[head].Cast<float>());
            double expected = (raw[head][7, 2] - Math.Log(model.ClassWeights![head][2])) / temperatures[head];
            ((double)passed[head][7, 2]).Should().BeApproximately(expected, 1e-5);
        }
    }

    [Fact]
    public void When_raw_temperatures_are_used_for_the_prior_and_temperature_correction_it_should_refuse_them()
    {
        // Arrange
        var (model, heldOut) = Trained();
        using var owned = model;
        var onRaw = ModelCorrections.FitTemperatures(model, heldOut, afterPriorCorrection: false);

        // Act
        var act = () => ModelCorrections.Apply(model, model.Predict(heldOut), LogitCorrection.PriorAndTemperature, onRaw);

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("*fitted on prior-corrected logits*afterPriorCorrection: true*");
    }

    [Fact]
    public void When_temperatures_name_a_head_the_model_lacks_it_should_refuse_to_attach_them_naming_it()
    {
        // Arrange
        using var model = MultiHeadModel.Create(8, TestData.Heads());
        var temperatures = new FittedTemperatures(new Dictionary<string, double> { ["plot"] = 1.2, ["story"] = 0.9 }, afterPriorCorrection: true);

        // Act
        var act = () => model.Temperatures = temperatures;

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*head 'story', which the model does not have*");
        model.Temperatures.Should().BeNull();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void When_a_temperature_is_not_positive_and_finite_it_should_be_refused_naming_the_head(double temperature)
    {
        // Act
        var act = () => new FittedTemperatures(new Dictionary<string, double> { ["plot"] = 1, ["acting"] = temperature }, afterPriorCorrection: true);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Head 'acting': temperature * must be positive and finite.*");
    }
}
