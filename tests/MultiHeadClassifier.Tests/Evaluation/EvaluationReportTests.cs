using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

public class EvaluationReportTests
{
    private static readonly string[] ScalarKeys =
        ["accuracy", "balanced_accuracy", "macro_f1", "qwk", "mae", "nll", "brier", "ece", "amae", "rmse", "classwise_ece", "adaptive_ece"];

    [Fact]
    public void When_some_heads_lack_a_metric_it_should_average_over_the_heads_that_have_it()
    {
        // Act (values derived in ReportFixture)
        EvaluationReport report = ReportFixture.Report();

        // Assert
        report.Heads.Keys.Should().Equal("acting", "empty", "perfect");
        report.Mean.Accuracy.Should().Be(0.875);
        report.Mean.Qwk.Should().BeApproximately(0.9, 1e-12);
        report.Mean.Mae.Should().Be(0.125);
        report.Mean.Brier.Should().BeApproximately(0.18, 1e-12);
        report.Mean.Ece.Should().BeApproximately(0.8 / 3, 1e-12);
        report.Mean.Amae.Should().BeApproximately(1.0 / 12, 1e-12);
        report.Mean.Rmse.Should().BeApproximately(0.25, 1e-12);
        report.Mean.ClasswiseEce.Should().BeApproximately(0.225, 1e-12);
        report.Mean.AdaptiveEce.Should().BeApproximately(0.8 / 3, 1e-12);
    }

    [Fact]
    public void When_a_head_is_evaluated_it_should_report_the_hand_derived_ordinal_and_calibration_metrics()
    {
        // Act (values derived in ReportFixture)
        MetricSummary acting = ReportFixture.Acting().Metrics;
        MetricSummary perfect = ReportFixture.Perfect().Metrics;

        // Assert
        acting.Amae.Should().BeApproximately(1.0 / 6, 1e-12);
        acting.Rmse.Should().BeApproximately(0.5, 1e-12);
        acting.ClasswiseEce.Should().BeApproximately(0.65 / 3, 1e-12);
        acting.AdaptiveEce.Should().BeApproximately(0.3, 1e-12);
        perfect.Amae.Should().Be(0);
        perfect.Rmse.Should().Be(0);
        perfect.ClasswiseEce.Should().BeApproximately(0.7 / 3, 1e-12);
        perfect.AdaptiveEce.Should().BeApproximately(0.7 / 3, 1e-12);
        ReportFixture.Empty().Metrics.Amae.Should().BeNull();
        ReportFixture.Empty().Metrics.ClasswiseEce.Should().BeNull();
    }

    [Fact]
    public void When_serialised_it_should_follow_the_json_contract()
    {
        // Arrange
        EvaluationReport report = ReportFixture.Report();

        // Act
        using JsonDocument json = JsonDocument.Parse(report.ToJson());

        // Assert
        JsonElement root = json.RootElement;
        JsonElement heads = root.GetProperty("heads");
        heads.EnumerateObject().Select(p => p.Name).Should().Equal("acting", "empty", "perfect");
        foreach (JsonProperty head in heads.EnumerateObject())
        {
            foreach (string key in ScalarKeys.Concat(["support", "confusion_matrix", "labelled", "missing", "per_class", "reliability"]))
            {
                head.Value.TryGetProperty(key, out _).Should().BeTrue($"head '{head.Name}' needs key '{key}'");
            }
        }

        JsonElement acting = heads.GetProperty("acting");
        acting.GetProperty("accuracy").GetDouble().Should().Be(0.75);
        acting.GetProperty("qwk").GetDouble().Should().BeApproximately(0.8, 1e-12);
        acting.GetProperty("ece").GetDouble().Should().BeApproximately(0.3, 1e-12);
        acting.GetProperty("labelled").GetInt32().Should().Be(4);
        acting.GetProperty("support").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(2, 1, 1);
        acting.GetProperty("confusion_matrix").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(e => e.GetInt64()).ToArray())
            .Should().BeEquivalentTo(new[] { new long[] { 1, 1, 0 }, [0, 1, 0], [0, 0, 1] }, o => o.WithStrictOrdering());
        acting.GetProperty("per_class").GetProperty("recall").EnumerateArray().Select(e => e.GetDouble())
            .Should().Equal(0.5, 1.0, 1.0);
        acting.GetProperty("reliability").GetArrayLength().Should().Be(15);
        acting.GetProperty("reliability")[11].GetProperty("count").GetInt32().Should().Be(2);

        JsonElement empty = heads.GetProperty("empty");
        foreach (string key in ScalarKeys)
        {
            empty.GetProperty(key).ValueKind.Should().Be(JsonValueKind.Null, $"'{key}' of a head without labels is undefined");
        }

        empty.GetProperty("labelled").GetInt32().Should().Be(0);
        empty.GetProperty("missing").GetInt32().Should().Be(4);
        empty.GetProperty("has_labels").GetBoolean().Should().BeFalse();

        JsonElement mean = root.GetProperty("mean");
        mean.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(ScalarKeys);
        mean.GetProperty("accuracy").GetDouble().Should().Be(0.875);
        mean.GetProperty("qwk").GetDouble().Should().BeApproximately(0.9, 1e-12);
    }

    [Fact]
    public void When_no_head_has_labels_it_should_write_null_means()
    {
        // Arrange
        var report = new EvaluationReport([ReportFixture.Empty()]);

        // Act
        using JsonDocument json = JsonDocument.Parse(report.ToJson(indented: false));

        // Assert
        JsonElement mean = json.RootElement.GetProperty("mean");
        foreach (string key in ScalarKeys)
        {
            mean.GetProperty(key).ValueKind.Should().Be(JsonValueKind.Null);
        }
    }

    [Fact]
    public void When_formatted_as_a_table_it_should_show_one_row_per_head_and_a_mean_row()
    {
        // Arrange
        EvaluationReport report = ReportFixture.Report();

        // Act
        string[] lines = report.ToTable().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Assert
        lines.Should().HaveCount(6);
        lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Should()
            .Equal("head", "acc", "bal_acc", "macro_f1", "qwk", "mae", "nll", "brier", "ece", "amae", "rmse", "cw_ece", "ada_ece", "n");
        string[] acting = lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        acting[0].Should().Be("acting");
        acting[1].Should().Be("0.7500");
        acting[4].Should().Be("0.8000");
        acting[9..13].Should().Equal("0.1667", "0.5000", "0.2167", "0.3000");
        acting[^1].Should().Be("4");
        lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(12).Should().OnlyContain(cell => cell == "-");
        lines[5].Should().StartWith("mean");
        lines[5].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].Should().Be("0.8750");
        lines.Select(l => l.Length).Distinct().Should().HaveCount(1, "the columns are fixed-width");
    }

    [Fact]
    public void When_two_heads_share_a_name_it_should_throw()
    {
        // Act
        Action act = () => _ = new EvaluationReport([ReportFixture.Acting(), ReportFixture.Acting()]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*'acting'*more than once*");
    }
}
