using FluentAssertions;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Training;

public class MultiHeadTrainerOptionsTests
{
    [Fact]
    public void When_every_setting_is_valid_it_should_report_nothing()
    {
        // Arrange
        var options = new MultiHeadTrainerOptions
        {
            Optimizer = OptimizerKind.Sgd,
            Momentum = 0,
            GradientClipNorm = 1,
            EarlyStoppingPatience = 1,
            Checkpoint = new CheckpointOptions(new CheckpointFile("run.mhcckpt")),
        };

        // Act
        IReadOnlyList<string> errors = options.Validate();

        // Assert
        errors.Should().BeEmpty();
        new MultiHeadTrainerOptions().Validate().Should().BeEmpty("the defaults are valid");
    }

    [Fact]
    public void When_every_setting_is_invalid_it_should_list_every_problem_in_a_fixed_order()
    {
        // Arrange: non-negative integers and NaN, whose text is the same in every culture.
        var options = new MultiHeadTrainerOptions
        {
            Epochs = 0,
            BatchSize = 0,
            ValidationBatchSize = 0,
            LearningRate = 0,
            WeightDecay = double.NaN,
            Momentum = 1,
            GradientClipNorm = 0,
            EarlyStoppingPatience = 0,
            EarlyStoppingMinDelta = double.NaN,
            Optimizer = (OptimizerKind)7,
            Checkpoint = new CheckpointOptions(null!) { EveryEpochs = 0 },
            Callbacks = [null!],
        };

        // Act
        IReadOnlyList<string> errors = options.Validate();

        // Assert
        errors.Should().Equal(
            "Epochs must be at least 1, but was 0.",
            "BatchSize must be at least 1, but was 0.",
            "ValidationBatchSize must be at least 1, but was 0.",
            "LearningRate must be a positive finite number, but was 0.",
            "WeightDecay must be a non-negative finite number, but was NaN.",
            "Momentum must be in [0, 1), but was 1.",
            "GradientClipNorm must be a positive finite number when set, but was 0.",
            "EarlyStoppingPatience must be at least 1 when set, but was 0.",
            "EarlyStoppingMinDelta must be a non-negative finite number, but was NaN.",
            "Optimizer 7 is not a known optimizer.",
            "Checkpoint.Store must not be null.",
            "Checkpoint.EveryEpochs must be at least 1, but was 0.",
            "Callbacks must not be null or contain null.");
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1.0)]
    [InlineData(1.0)]
    public void When_the_momentum_is_outside_zero_to_one_it_should_be_reported(double momentum)
    {
        // Act
        IReadOnlyList<string> errors = new MultiHeadTrainerOptions { Momentum = momentum }.Validate();

        // Assert
        errors.Should().ContainSingle().Which.Should().StartWith("Momentum must be in [0, 1)");
    }

    [Fact]
    public void When_the_callback_list_is_null_it_should_be_reported()
    {
        // Act
        IReadOnlyList<string> errors = new MultiHeadTrainerOptions { Callbacks = null! }.Validate();

        // Assert
        errors.Should().Equal("Callbacks must not be null or contain null.");
    }
}
