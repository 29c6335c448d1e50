using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Tests.Persistence;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// Model and checkpoint files edited on purpose, with the checksum recomputed: <c>mhc</c> keeps its contract — exit
/// code 2 and one line on stderr naming the file and the field — where it used to abort the process.
/// </summary>
public sealed class CliEditedFileTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void When_the_models_hidden_width_is_edited_to_two_billion_it_should_exit_2_with_one_line_naming_the_file_and_the_field()
    {
        // Arrange: issue 16 — a model trained with --hidden 128,64, its metadata edited to [2000000000, 64] and its
        // checksum recomputed. predict used to die in libtorch's allocator ("can't allocate memory", signal 6).
        string dir = _workspace.PathOf("model");
        var train = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", dir, "--epochs", "1", "--hidden", "128,64", "--seed", "1");
        string modelPath = Path.Combine(dir, ModelDirectory.ModelFile);
        var parts = ModelFileParts.Decode(File.ReadAllBytes(modelPath));
        parts.Metadata["Backbone"]!["HiddenSizes"]![0] = 2_000_000_000;
        File.WriteAllBytes(modelPath, parts.Encode());

        // Act
        var result = _workspace.Run("predict", "--model", dir, "--data", _workspace.TestCsv, "--out", _workspace.PathOf("p.csv"));

        // Assert
        train.ExitCode.Should().Be(0, train.Stderr);
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Be(
            $"error: {dir}: not a model directory: '{modelPath}' has an invalid model: Backbone.HiddenSizes[0] is 2000000000, above the limit of {ModelFile.MaxHiddenWidth:N0} (ModelFile.MaxHiddenWidth)."
            + Environment.NewLine);
        File.Exists(_workspace.PathOf("p.csv")).Should().BeFalse();
    }

    [Fact]
    public void When_a_checkpoints_generator_state_is_edited_it_should_exit_2_on_resume_with_one_line_instead_of_aborting()
    {
        // Arrange: a run checkpointed after epoch 1 whose dropout generator is marked unseeded; libtorch's set_state
        // throws a C++ exception for it that TorchSharp does not catch, which ended the process.
        string dir = _workspace.PathOf("run");
        string[] Train(int epochs) => ["train", "--train", _workspace.TrainCsv, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", dir, "--epochs", $"{epochs}", "--hidden", "8", "--dropout", "0.2", "--seed", "1", "--checkpoint-every", "1"];
        var first = _workspace.Run(Train(1));
        string checkpointPath = Path.Combine(dir, ModelDirectory.CheckpointFile);
        var parts = CheckpointParts.Decode(File.ReadAllBytes(checkpointPath));
        BitConverter.GetBytes(0).CopyTo(parts.Dropout, 12);
        File.WriteAllBytes(checkpointPath, parts.Encode());

        // Act
        var result = _workspace.Run([.. Train(2), "--resume"]);

        // Assert
        first.ExitCode.Should().Be(0, first.Stderr);
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Be($"error: '{checkpointPath}' has an invalid checkpoint: the dropout generator state is not seeded (its seeded flag is 0).{Environment.NewLine}");
    }
}
