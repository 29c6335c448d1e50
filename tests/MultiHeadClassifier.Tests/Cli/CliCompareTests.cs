using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary><c>mhc evaluate --model a/ --model b/</c>: the <c>models</c> JSON and its checks; and the report option <c>--min-bin-count</c>.</summary>
public sealed class CliCompareTests(ReportWorkspace reports) : IClassFixture<ReportWorkspace>
{
    [Fact]
    public void When_two_models_are_compared_it_should_write_each_models_single_json_in_a_models_array()
    {
        // Arrange
        string singleB = reports.Workspace.PathOf("single-b.json");
        var result = reports.Workspace.Run("evaluate", "--model", reports.ModelB, "--data", reports.Workspace.TestCsv, "--json", singleB, "--correction", "prior", "--decision", "median");
        result.ExitCode.Should().Be(0, result.Stderr);

        // Act
        var comparison = JsonNode.Parse(File.ReadAllText(reports.ComparisonJson))!.AsObject();

        // Assert
        comparison.Select(p => p.Key).Should().Equal("models");
        var models = comparison["models"]!.AsArray();
        models.Should().HaveCount(2);
        string[] singles = [reports.SingleJson, singleB];
        string[] names = [reports.ModelA, reports.ModelB];
        for (int i = 0; i < 2; i++)
        {
            var entry = models[i]!.AsObject();
            var single = JsonNode.Parse(File.ReadAllText(singles[i]))!.AsObject();
            entry.Select(p => p.Key).Should().Equal("model", "heads", "mean");
            entry["model"]!.GetValue<string>().Should().Be(names[i]);
            JsonNode.DeepEquals(entry["heads"], single["heads"]).Should().BeTrue($"model {i}'s heads must be its single-model JSON");
            JsonNode.DeepEquals(entry["mean"], single["mean"]).Should().BeTrue();
        }

        JsonNode.DeepEquals(models[0]!["mean"], models[1]!["mean"]).Should().BeFalse("two different models must differ somewhere");
    }

    [Fact]
    public void When_one_model_is_evaluated_it_should_keep_the_single_model_json_shape()
    {
        // Act
        var single = JsonNode.Parse(File.ReadAllText(reports.SingleJson))!.AsObject();

        // Assert
        single.Select(p => p.Key).Should().Equal("heads", "mean");
        single["heads"]!.AsObject().Select(p => p.Key).Should().Equal(CliWorkspace.HeadNames);
    }

    [Fact]
    public void When_compared_models_have_different_heads_it_should_fail_naming_both_models()
    {
        // Arrange
        string narrow = reports.Workspace.PathOf("model-narrow");
        var trained = reports.Workspace.Run("train", "--train", reports.Workspace.TrainCsv, "--heads", "plot,acting", "--out", narrow, "--epochs", "1", "--hidden", "4", "--seed", "1", "--missing-features", "mean");
        trained.ExitCode.Should().Be(0, trained.Stderr);

        // Act
        var result = reports.Workspace.Run("evaluate", "--model", reports.ModelA, "--model", narrow, "--data", reports.Workspace.TestCsv, "--json", reports.Workspace.PathOf("x.json"));

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain($"--model {narrow}: its heads plot (K=5), acting (K=5) differ from those of --model {reports.ModelA}");
    }

    [Fact]
    public void When_the_minimum_bin_count_is_below_one_it_should_fail_naming_the_option()
    {
        // Act
        var result = reports.Workspace.Run("evaluate", "--model", reports.ModelA, "--data", reports.Workspace.TestCsv, "--json", reports.Workspace.PathOf("y.json"), "--report", reports.Workspace.PathOf("y.html"), "--min-bin-count", "0");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("--min-bin-count: 0 is not a number of rows");
    }
}
