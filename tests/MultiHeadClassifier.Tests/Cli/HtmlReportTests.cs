using FluentAssertions;
using MultiHeadClassifier.Cli.Reporting;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Modeling;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

public class HtmlReportTests
{
    [Fact]
    public void When_a_head_has_no_labels_it_should_still_build_its_section_with_undefined_metrics()
    {
        // Arrange: "makeup" (column 3) has every label missing, so its reliability bins are all empty.
        var data = TestData.Ratings(60, seed: 2);
        var labels = new int[data.RowCount, data.HeadCount];
        for (int r = 0; r < data.RowCount; r++)
        {
            for (int h = 0; h < data.HeadCount; h++)
            {
                labels[r, h] = h == 3 ? -1 : data.Label(r, h);
            }
        }

        var partial = new MultiHeadDataset(TestData.Rows(data), labels, TestData.HeadNames);
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 1 });
        EvaluationReport report = ModelEvaluator.Evaluate(model, partial);

        // Act
        string html = HtmlReport.Build(model, report, report, LogitCorrection.None, "argmax", "partial.csv", minimumBinCount: 5);

        // Assert
        html.Should().Contain("<section class=\"head\" data-head=\"makeup\">")
            .And.Contain("<tr data-metric=\"amae\"><th>amae</th><td data-column=\"before\">n/a</td><td data-column=\"after\">n/a</td></tr>")
            .And.Contain("After correction, 0 of 0 non-empty bins have fewer than 5 rows.");
        html.Split("<img ").Length.Should().Be(1 + (4 * 6));
    }
}
