using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

/// <summary>
/// The metrics of issue 15 against an independent computation: Fixtures/metric_fixtures.json, written by
/// Fixtures/make_metric_fixtures.py (its docstring gives the command line and the scikit-learn, numpy and scipy
/// function behind each value) on six data sets: skewed labels with missing rows, binary, fewer rows than bins,
/// K = 10, a class absent from the labels, and tied confidences.
/// </summary>
public class MetricFixtureTests
{
    private const double Tolerance = 1e-12;

    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "metric_fixtures.json"))));

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Fixture.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    public static TheoryData<int, int> WilsonCases()
    {
        var data = new TheoryData<int, int>();
        foreach (JsonElement w in Fixture.Value.RootElement.GetProperty("wilson").EnumerateArray())
        {
            data.Add(w.GetProperty("successes").GetInt32(), w.GetProperty("trials").GetInt32());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void When_computed_on_a_fixture_it_should_match_scikit_learn_for_amae_rmse_and_mae(string name)
    {
        // Arrange
        var (k, labels, predictions, _, expected) = Case(name);

        // Act
        double? amae = ClassificationMetrics.MacroAveragedMeanAbsoluteError(labels, predictions, k);
        double? rmse = ClassificationMetrics.RootMeanSquaredError(labels, predictions, k);
        double? mae = ClassificationMetrics.MeanAbsoluteError(labels, predictions, k);

        // Assert
        amae.Should().BeApproximately(expected.GetProperty("amae").GetDouble(), Tolerance);
        rmse.Should().BeApproximately(expected.GetProperty("rmse").GetDouble(), Tolerance);
        mae.Should().BeApproximately(expected.GetProperty("mae").GetDouble(), Tolerance);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void When_computed_on_a_fixture_it_should_match_the_reference_calibration_errors(string name)
    {
        // Arrange
        var (_, labels, _, probabilities, expected) = Case(name);

        // Act
        double? ece = CalibrationError.ExpectedCalibrationError(labels, probabilities);
        double? classwise = CalibrationError.ClasswiseCalibrationError(labels, probabilities);
        double? adaptive = CalibrationError.AdaptiveCalibrationError(labels, probabilities);

        // Assert
        ece.Should().BeApproximately(expected.GetProperty("ece").GetDouble(), Tolerance);
        classwise.Should().BeApproximately(expected.GetProperty("classwise_ece").GetDouble(), Tolerance);
        adaptive.Should().BeApproximately(expected.GetProperty("adaptive_ece").GetDouble(), Tolerance);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void When_a_head_is_evaluated_on_a_fixture_it_should_report_the_reference_values(string name)
    {
        // Arrange
        var (k, labels, predictions, probabilities, expected) = Case(name);

        // Act
        MetricSummary metrics = HeadEvaluator.Evaluate("head", labels, probabilities, predictions, k).Metrics;

        // Assert
        metrics.Amae.Should().BeApproximately(expected.GetProperty("amae").GetDouble(), Tolerance);
        metrics.Rmse.Should().BeApproximately(expected.GetProperty("rmse").GetDouble(), Tolerance);
        metrics.ClasswiseEce.Should().BeApproximately(expected.GetProperty("classwise_ece").GetDouble(), Tolerance);
        metrics.AdaptiveEce.Should().BeApproximately(expected.GetProperty("adaptive_ece").GetDouble(), Tolerance);
    }

    [Theory]
    [MemberData(nameof(WilsonCases))]
    public void When_a_wilson_interval_is_computed_it_should_match_scipy(int successes, int trials)
    {
        // Arrange
        JsonElement reference = Fixture.Value.RootElement.GetProperty("wilson").EnumerateArray()
            .Single(w => w.GetProperty("successes").GetInt32() == successes && w.GetProperty("trials").GetInt32() == trials);

        // Act
        var (lower, upper) = WilsonInterval.Compute((double)successes / trials, trials);

        // Assert
        lower.Should().BeApproximately(reference.GetProperty("lower").GetDouble(), Tolerance);
        upper.Should().BeApproximately(reference.GetProperty("upper").GetDouble(), Tolerance);
    }

    private static (int K, int[] Labels, int[] Predictions, double[,] Probabilities, JsonElement Expected) Case(string name)
    {
        JsonElement c = Fixture.Value.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        int k = c.GetProperty("class_count").GetInt32();
        int[] labels = [.. c.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32())];
        int[] predictions = [.. c.GetProperty("predictions").EnumerateArray().Select(e => e.GetInt32())];
        JsonElement[] rows = [.. c.GetProperty("probabilities").EnumerateArray()];
        var probabilities = new double[rows.Length, k];
        for (int r = 0; r < rows.Length; r++)
        {
            int j = 0;
            foreach (JsonElement v in rows[r].EnumerateArray())
            {
                probabilities[r, j++] = v.GetDouble();
            }
        }

        return (k, labels, predictions, probabilities, c.GetProperty("expected"));
    }
}
