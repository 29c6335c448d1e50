using System.Globalization;
using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

public sealed class CliCheckpointTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    // Dropout, shuffling, Adam's moments, early-stopping bookkeeping (patience 10 never stops 4 epochs, but the best
    // weights are tracked and restored) and imputation means all have to survive the interruption for the resumed
    // model to match.
    private string[] TrainArgs(string dir, params (string Option, string Value)[] changes)
    {
        string[] args =
        [
            "train", "--train", _workspace.TrainCsv, "--valid", _workspace.TestCsv, "--heads", string.Join(",", CliWorkspace.HeadNames),
            "--out", dir, "--epochs", "4", "--batch-size", "32", "--hidden", "16", "--dropout", "0.2", "--early-stopping", "10",
            "--missing-features", "mean", "--checkpoint-every", "2",
        ];
        foreach (var (option, value) in changes)
        {
            int at = Array.IndexOf(args, option);
            args = at < 0 ? [.. args, option, value] : [.. args[..(at + 1)], value, .. args[(at + 2)..]];
        }

        return args;
    }

    [Fact]
    public void When_a_run_interrupted_in_epoch_3_is_resumed_it_should_end_with_the_model_of_an_uninterrupted_run_exactly()
    {
        // Arrange: A runs to completion.
        string a = _workspace.PathOf("a");
        string b = _workspace.PathOf("b");
        string checkpointPath = Path.Combine(b, ModelDirectory.CheckpointFile);
        var uninterrupted = _workspace.Run([.. TrainArgs(a), "--seed", "3"]);

        // Act: B is the same run interrupted the way Ctrl+C interrupts mhc (Cli.Run's cancellation token), fired when
        // the log shows that epoch 3 has finished. The trainer stops at the end of that epoch without writing a
        // checkpoint (3 is not a multiple of 2), so the file still holds epoch 2 and the resumed run must redo
        // epoch 3 from it, like a run killed anywhere in epoch 3 or 4.
        using var interrupt = new CancellationTokenSource();
        using var interruptingLog = new InterruptingWriter("epoch 3/4 ", interrupt);
        var interrupted = _workspace.Run(interruptingLog, interrupt.Token, [.. TrainArgs(b), "--seed", "3"]);
        float[] atCheckpoint;
        int checkpointEpoch;
        var checkpoint = CheckpointFile.Load(checkpointPath);
        using (var model = checkpoint.Model)
        {
            checkpointEpoch = checkpoint.CompletedEpochs;
            atCheckpoint = Logits(model);
        }

        bool modelWrittenByInterruptedRun = File.Exists(Path.Combine(b, ModelDirectory.ModelFile));
        var resumed = _workspace.Run([.. TrainArgs(b), "--resume"]);

        // Assert
        uninterrupted.ExitCode.Should().Be(0, uninterrupted.Stderr);
        interrupted.ExitCode.Should().Be(1, interrupted.Stderr);
        interrupted.Stderr.Trim().Should().Be($"error: training was interrupted after 3 complete epoch(s); {checkpointPath} holds epoch 2: run the same command with --resume to continue from there.");
        interrupted.Stdout.Should().Contain("epoch 3/4 ").And.NotContain("epoch 4/4 ");
        modelWrittenByInterruptedRun.Should().BeFalse("an interrupted run writes only its checkpoint");
        checkpointEpoch.Should().Be(2);

        resumed.ExitCode.Should().Be(0, resumed.Stderr);
        resumed.Stdout.Should().Contain($"Resuming from {checkpointPath} at epoch 2 of 4 (seed 3).", "the seed is the checkpoint's although --seed is not given")
            .And.Contain("epoch 3/4 ").And.Contain("epoch 4/4 ").And.NotContain("epoch 1/4 ").And.NotContain("epoch 2/4 ");

        using var expected = MultiHeadModel.Load(Path.Combine(a, ModelDirectory.ModelFile));
        using var actual = MultiHeadModel.Load(Path.Combine(b, ModelDirectory.ModelFile));
        float[] expectedLogits = Logits(expected);
        Logits(actual).Should().Equal(expectedLogits, "the resumed run must end with the uninterrupted run's weights, bit for bit");
        atCheckpoint.Should().NotEqual(expectedLogits, "epochs 3 and 4 must have trained the resumed model");

        string[] historyA = File.ReadAllLines(Path.Combine(a, "history.csv"));
        string[] historyB = File.ReadAllLines(Path.Combine(b, "history.csv"));
        historyB.Should().HaveCount(5, "the header and all 4 epochs");
        historyB.Select(WithoutSeconds).Should().Equal(historyA.Select(WithoutSeconds), "every epoch's losses and learning rate match; only the timings differ");
        foreach (string file in new[] { ModelDirectory.FeaturesFile, ModelDirectory.ImputationFile })
        {
            File.ReadAllText(Path.Combine(b, file)).Should().Be(File.ReadAllText(Path.Combine(a, file)), file);
        }

        File.ReadAllBytes(Path.Combine(b, "loss.png")).Take(4).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
    }

    [Fact]
    public void When_resuming_without_a_checkpoint_it_should_fail_naming_the_path()
    {
        // Arrange
        string dir = _workspace.PathOf("fresh");

        // Act
        var result = _workspace.Run([.. TrainArgs(dir), "--resume"]);

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be($"error: --resume: there is no checkpoint {Path.Combine(dir, ModelDirectory.CheckpointFile)} to resume (a run writes one with --checkpoint-every N).");
    }

    [Fact]
    public void When_checkpoint_every_is_0_it_should_fail_with_a_one_line_usage_error()
    {
        // Act
        var result = _workspace.Run(TrainArgs(_workspace.PathOf("zero"), ("--checkpoint-every", "0")));

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: --checkpoint-every: 0 is not a number of epochs (give 1 or more).");
        Directory.Exists(_workspace.PathOf("zero")).Should().BeFalse();
    }

    [Theory]
    [InlineData("--batch-size", "64", "error: --resume: --batch-size is 64, but the checkpointed run used 32; give the original run's options.")]
    [InlineData("--hidden", "8", "error: --resume: --hidden 8 differs from the checkpoint's model (16); give the original run's options.")]
    [InlineData("--seed", "4", "error: --resume: --seed 4 differs from the checkpointed run's seed 3; leave --seed out to use the checkpoint's.")]
    public void When_resuming_with_other_options_it_should_fail_naming_the_option(string option, string value, string expected)
    {
        // Arrange
        string dir = _workspace.PathOf("changed");
        var first = _workspace.Run(TrainArgs(dir, ("--epochs", "2"), ("--seed", "3")));

        // Act
        var result = _workspace.Run([.. TrainArgs(dir, ("--epochs", "2"), (option, value)), "--resume"]);

        // Assert
        first.ExitCode.Should().Be(0, first.Stderr);
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be(expected);
    }

    [Fact]
    public void When_resuming_on_changed_training_data_it_should_fail_naming_the_file()
    {
        // Arrange: the training file is rewritten with one feature changed.
        string dir = _workspace.PathOf("data");
        var first = _workspace.Run(TrainArgs(dir, ("--epochs", "2")));
        File.Copy(_workspace.WithCell(_workspace.TrainCsv, "edited.csv", 9, 0, "0.5"), _workspace.TrainCsv, overwrite: true);

        // Act
        var result = _workspace.Run([.. TrainArgs(dir, ("--epochs", "2")), "--resume"]);

        // Assert
        first.ExitCode.Should().Be(0, first.Stderr);
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: --resume: train.csv is not the training data of the checkpointed run (its SHA-256 differs); give the original file, or train afresh without --resume.");
    }

    private float[] Logits(MultiHeadModel model)
    {
        var prediction = model.Predict(_workspace.Data);
        return CliWorkspace.HeadNames.SelectMany(h => prediction[h].Cast<float>()).ToArray();
    }

    private static string WithoutSeconds(string line) => line[..line.LastIndexOf(',')];

    /// <summary>A log writer that fires the interrupt, as a user pressing Ctrl+C would, once a line starts with a trigger.</summary>
    private sealed class InterruptingWriter(string trigger, CancellationTokenSource interrupt) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.StartsWith(trigger, StringComparison.Ordinal))
            {
                interrupt.Cancel();
            }
        }
    }
}
