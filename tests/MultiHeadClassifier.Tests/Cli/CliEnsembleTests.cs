using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Persistence;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary><c>mhc train --ensemble M</c>, and the ensemble's directory used like any other.</summary>
public sealed class CliEnsembleTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string TrainEnsemble()
    {
        string dir = _workspace.PathOf("ensemble");
        var result = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", "plot,dialog,acting,makeup", "--out", dir, "--epochs", "2", "--hidden", "8", "--seed", "4", "--ensemble", "3", "--loss", "dialog=corn");
        result.ExitCode.Should().Be(0, result.Stderr);
        return dir;
    }

    [Fact]
    public void When_an_ensemble_is_trained_it_should_write_one_ensemble_file_with_members_seeded_s_to_s_plus_2()
    {
        // Act
        string dir = TrainEnsemble();
        using var ensemble = MultiHeadEnsemble.Load(Path.Combine(dir, "ensemble.mhce"));

        // Assert
        File.Exists(Path.Combine(dir, "model.mhc")).Should().BeFalse();
        ensemble.Members.Should().HaveCount(3);
        File.Exists(Path.Combine(dir, "history-2.csv")).Should().BeTrue();
        File.ReadLines(Path.Combine(dir, "history.csv")).Should().HaveCount(3, "a header and 2 epochs");
    }

    [Fact]
    public void When_an_ensemble_directory_is_evaluated_it_should_report_the_ensembles_mean_probabilities()
    {
        // Arrange
        string dir = TrainEnsemble();
        string json = _workspace.PathOf("ensemble.json");

        // Act
        var result = _workspace.Run("evaluate", "--model", dir, "--data", _workspace.TestCsv, "--json", json, "--correction", "prior");

        // Assert: the same NLL as the library's evaluation of the loaded ensemble.
        result.ExitCode.Should().Be(0, result.Stderr);
        using var ensemble = MultiHeadEnsemble.Load(Path.Combine(dir, "ensemble.mhce"));
        var test = _workspace.Data.Slice(300, 100);
        double expected = ModelEvaluator.Evaluate(ensemble, test, LogitCorrection.Prior).Mean.Nll!.Value;
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        document.RootElement.GetProperty("mean").GetProperty("nll").GetDouble().Should().BeApproximately(expected, 1e-6);
    }

    [Fact]
    public void When_an_ensemble_predicts_it_should_write_probabilities_and_the_members_mean_raw_outputs()
    {
        // Arrange
        string dir = TrainEnsemble();
        string probabilities = _workspace.PathOf("p.csv");
        string logits = _workspace.PathOf("z.csv");

        // Act
        var first = _workspace.Run("predict", "--model", dir, "--data", _workspace.TestCsv, "--out", probabilities, "--output", "probabilities", "--correction", "prior+temperature", "--correction-data", _workspace.TrainCsv, "--decision", "thresholds");
        var second = _workspace.Run("predict", "--model", dir, "--data", _workspace.TestCsv, "--out", logits, "--output", "logits");
        var refused = _workspace.Run("predict", "--model", dir, "--data", _workspace.TestCsv, "--out", logits, "--output", "logits", "--correction", "prior");

        // Assert
        first.ExitCode.Should().Be(0, first.Stderr);
        second.ExitCode.Should().Be(0, second.Stderr);
        File.ReadLines(probabilities).Skip(1).First().Split(',').Take(5).Sum(v => double.Parse(v, CultureInfo.InvariantCulture)).Should().BeApproximately(1, 1e-5);
        File.ReadLines(logits).First().Split(',').Should().StartWith(["plot_0", "plot_1", "plot_2", "plot_3", "plot_4", "dialog_t0"]);
        refused.ExitCode.Should().Be(2);
        refused.Stderr.Should().Contain("--output logits: an ensemble's corrections act on its mean probabilities");
    }

    [Fact]
    public void When_an_ensemble_is_trained_with_a_checkpoint_it_should_exit_2_naming_the_conflict()
    {
        // Act
        var result = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", "plot,dialog,acting,makeup", "--out", _workspace.PathOf("bad"), "--ensemble", "2", "--checkpoint-every", "1");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("--ensemble: checkpoints and --resume are for a single model");
    }
}
