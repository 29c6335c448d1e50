using FluentAssertions;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Persistence;

/// <summary>
/// Checkpoints edited on purpose and given a valid checksum again: each is refused when it is loaded, before its
/// optimizer state, generator states or best weights reach libtorch, with an <see cref="InvalidDataException"/> that
/// names the file and the field.
/// </summary>
public sealed class CheckpointFileValidationTests
{
    private const string Name = "edited.mhcckpt";

    private static readonly MultiHeadDataset Train = TinyFiles.Data(32, seed: 1);
    private static readonly MultiHeadDataset Valid = TinyFiles.Data(16, seed: 2);
    private static readonly MultiHeadTrainerOptions Options = new() { Epochs = 2, BatchSize = 8, Seed = 3, EarlyStoppingPatience = 5 };
    private static readonly Lazy<byte[]> Base = new(() => TinyFiles.CheckpointFileBytes(Options, Train, Valid));

    [Theory]
    [InlineData(12, 0, "the dropout generator state is not seeded (its seeded flag is 0)")]
    [InlineData(8, 0, "the dropout generator state has 0 draws left before a refill; it must be 1 to 624")]
    [InlineData(16, 700, "the dropout generator state is at position 700; it must be 0 to 624")]
    public void When_a_generator_state_would_abort_the_process_in_libtorch_it_should_be_refused_at_load(int offset, int value, string problem)
    {
        // Arrange: libtorch's set_state fails these checks with a C++ exception that TorchSharp does not catch.
        var parts = CheckpointParts.Decode(Base.Value);
        BitConverter.GetBytes(value).CopyTo(parts.Dropout, offset);

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: {problem}.");
    }

    [Fact]
    public void When_a_generator_state_has_another_length_it_should_say_both_lengths()
    {
        // Arrange
        var parts = CheckpointParts.Decode(Base.Value);
        parts.Shuffle = parts.Shuffle[..^1];

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: the shuffle generator state is 5,055 bytes, but a generator state is 5,056.");
    }

    [Fact]
    public void When_a_moment_has_another_element_count_it_should_name_both_counts_before_allocating()
    {
        // Arrange: the model has 4·3 + 3 + 5·3 + 5 = 35 trainable parameters; the first moment now claims a billion.
        var parts = CheckpointParts.Decode(Base.Value);
        parts.Optimizer.Tensors[0] = (1_000_000_000, parts.Optimizer.Tensors[0].Data);

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' has an invalid checkpoint: the optimizer's first moment has {1_000_000_000:N0} values, but the model has 35 trainable parameters.");
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void When_the_step_count_would_overflow_the_bias_correction_it_should_be_refused(long step)
    {
        // Arrange: long.MaxValue + 1 wraps negative on the next step and makes every weight NaN.
        var parts = CheckpointParts.Decode(Base.Value);
        parts.Optimizer.Header = BitConverter.GetBytes(step);

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: the optimizer's step count is {step}; it must be 0 to 2^53.");
    }

    [Fact]
    public void When_the_second_moment_has_a_negative_value_it_should_name_the_element()
    {
        // Arrange: a second moment is a mean of squares; √v of a negative one is NaN.
        var parts = CheckpointParts.Decode(Base.Value);
        BitConverter.GetBytes(-1f).CopyTo(parts.Optimizer.Tensors[1].Data, 4 * 7);

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: the optimizer's second moment has the invalid value -1 at element 7.");
    }

    [Fact]
    public void When_the_best_weights_declare_another_shape_it_should_name_it()
    {
        // Arrange
        var parts = CheckpointParts.Decode(Base.Value);
        var heads = parts.BestWeights!.Entries.Single(e => e.Name == "heads.weight");
        heads.Shape = [3, 5];

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' has an invalid checkpoint: the best-weights state dict has 'heads.weight' with shape [3, 5], but the model needs [5, 3].");
    }

    [Fact]
    public void When_the_early_stopping_state_does_not_fit_the_epochs_it_should_name_the_field()
    {
        // Arrange
        var nan = CheckpointParts.Decode(Base.Value);
        nan.Metadata["BestLoss"] = "NaN";
        var beyond = CheckpointParts.Decode(Base.Value);
        beyond.Metadata["BestEpoch"] = 3;
        var withoutWeights = CheckpointParts.Decode(Base.Value);
        withoutWeights.BestWeights = null;

        // Act & assert
        FluentActions.Invoking(() => Read(nan)).Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: BestLoss is NaN, but the validation loss of BestEpoch * is *.");
        FluentActions.Invoking(() => Read(beyond)).Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: BestEpoch is 3, but the checkpoint has epochs 1 to 2.");
        FluentActions.Invoking(() => Read(withoutWeights)).Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: BestEpoch is *, but the checkpoint has no best weights.");
    }

    [Fact]
    public void When_the_epoch_list_is_renumbered_or_loses_a_head_or_a_loss_is_NaN_it_should_name_the_field()
    {
        // Arrange
        var renumbered = CheckpointParts.Decode(Base.Value);
        renumbered.Metadata["Epochs"]![1]!["Epoch"] = 5;
        var lostHead = CheckpointParts.Decode(Base.Value);
        lostHead.Metadata["Epochs"]![0]!["TrainHeadLosses"]!.AsObject().Remove("acting");
        var nanLoss = CheckpointParts.Decode(Base.Value);
        nanLoss.Metadata["Epochs"]![0]!["ValidationLoss"] = "NaN";
        var missing = CheckpointParts.Decode(Base.Value);
        missing.Metadata["Epochs"]![0]!.AsObject().Remove("TrainLoss");

        // Act & assert
        FluentActions.Invoking(() => Read(renumbered)).Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: Epochs[1].Epoch is 5, but the epochs must be numbered 1, 2, 3, ….");
        FluentActions.Invoking(() => Read(lostHead)).Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: Epochs[0].TrainHeadLosses has no entry for head 'acting'.");
        FluentActions.Invoking(() => Read(nanLoss)).Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid checkpoint: Epochs[0].ValidationLoss is NaN; it must be a finite number, not negative.");
        FluentActions.Invoking(() => Read(missing)).Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has corrupt checkpoint metadata: *TrainLoss*");
    }

    [Fact]
    public void When_an_unedited_checkpoint_is_taken_apart_and_put_together_it_should_load_and_resume()
    {
        // Arrange: the control case, so that the refusals above are the edits' doing.
        var parts = CheckpointParts.Decode(Base.Value);

        // Act
        var checkpoint = Read(parts);
        using var model = checkpoint.Model;
        var history = new MultiHeadTrainer(Options with { Epochs = 3 }).Resume(checkpoint, Train, Valid);

        // Assert
        checkpoint.CompletedEpochs.Should().Be(2);
        history.Epochs.Select(e => e.Epoch).Should().Equal(1, 2, 3);
    }

    private static TrainingCheckpoint Read(CheckpointParts parts) => CheckpointFile.Read(new MemoryStream(parts.Encode()), Name);
}
