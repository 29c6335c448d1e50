using FluentAssertions;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary><c>mhc train</c> shows the trainer's log (<c>MultiHeadTrainerOptions.Logger</c>) on its progress display.</summary>
public sealed class CliLoggingTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void When_training_with_checkpoints_and_a_validation_set_lacking_a_class_it_should_print_the_log_lines()
    {
        // Arrange: validation rows without class 0 of "plot".
        var rows = Enumerable.Range(300, 100).Where(r => _workspace.Data.Label(r, 0) != 0).ToList();
        string valid = _workspace.WriteCsv("valid-no-plot-0.csv", _workspace.Data, rows);
        string output = _workspace.PathOf("model");

        // Act
        var result = _workspace.Run("train", "--train", _workspace.TrainCsv, "--valid", valid, "--heads", string.Join(",", CliWorkspace.HeadNames),
            "--out", output, "--epochs", "2", "--batch-size", "64", "--hidden", "8", "--seed", "3", "--checkpoint-every", "1");

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        rows.Should().HaveCountLessThan(100, "the fixture must have removed some rows");
        string[] lines = result.Stdout.Split(Environment.NewLine);
        lines.Should().Contain(l => l.StartsWith("warning: Head 'plot': the validation data has no rows of class 0 (of 5)", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("epoch 1/2 train_loss ", StringComparison.Ordinal) && l.Contains(" valid_loss ", StringComparison.Ordinal));
        lines.Should().Contain($"Saved a checkpoint after epoch 2 to {Path.Combine(output, "checkpoint.mhcckpt")}");
        lines.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)).Should().Be(2, "one line per epoch, none per batch");
    }
}
