using System.Globalization;
using FluentAssertions;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary><c>mhc train --loss</c> and what predict writes for CORN and CORAL heads.</summary>
public sealed class CliOrdinalTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Train(string loss)
    {
        string dir = _workspace.PathOf("model-" + loss.Replace('=', '-').Replace(',', '-'));
        var result = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", "plot,dialog,acting,makeup", "--out", dir, "--epochs", "2", "--hidden", "8", "--seed", "1", "--loss", loss);
        result.ExitCode.Should().Be(0, result.Stderr);
        return dir;
    }

    [Fact]
    public void When_losses_are_given_per_head_it_should_train_those_kinds_and_ce_elsewhere()
    {
        // Act
        string dir = Train("plot=corn,acting=coral");
        using var model = MultiHeadModel.Load(Path.Combine(dir, "model.mhc"));

        // Assert
        model.Heads.Select(h => h.Loss).Should().Equal(HeadLoss.Corn, HeadLoss.CrossEntropy, HeadLoss.Coral, HeadLoss.CrossEntropy);
    }

    [Fact]
    public void When_predicting_logits_of_ordinal_heads_it_should_write_K_minus_1_threshold_columns_and_K_probabilities()
    {
        // Arrange
        string dir = Train("corn");
        string logits = _workspace.PathOf("logits.csv");
        string probabilities = _workspace.PathOf("probabilities.csv");

        // Act
        var first = _workspace.Run("predict", "--model", dir, "--data", _workspace.TestCsv, "--out", logits, "--output", "logits");
        var second = _workspace.Run("predict", "--model", dir, "--data", _workspace.TestCsv, "--out", probabilities, "--output", "probabilities", "--correction", "prior");

        // Assert
        first.ExitCode.Should().Be(0, first.Stderr);
        second.ExitCode.Should().Be(0, second.Stderr);
        File.ReadLines(logits).First().Split(',').Should().StartWith(["plot_t0", "plot_t1", "plot_t2", "plot_t3", "dialog_t0"]).And.HaveCount(16);
        File.ReadLines(probabilities).First().Split(',').Should().StartWith(["plot_0", "plot_1", "plot_2", "plot_3", "plot_4"]).And.HaveCount(20);
        File.ReadLines(probabilities).Skip(1).First().Split(',').Take(5).Sum(v => double.Parse(v, CultureInfo.InvariantCulture)).Should().BeApproximately(1, 1e-5);
    }

    [Fact]
    public void When_a_loss_is_unknown_it_should_exit_2_naming_the_option_and_the_choices()
    {
        // Act
        var result = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", "plot,dialog,acting,makeup", "--out", _workspace.PathOf("bad"), "--loss", "plot=hinge");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: --loss plot: 'hinge' is not one of ce, corn, coral.");
    }
}
