using FluentAssertions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

public class HeadEvaluatorTests
{
    [Fact]
    public void When_a_head_is_evaluated_it_should_report_every_hand_computed_metric()
    {
        // Act (values derived in ReportFixture)
        HeadEvaluation head = ReportFixture.Acting();

        // Assert
        head.Name.Should().Be("acting");
        head.ClassCount.Should().Be(3);
        head.LabelledCount.Should().Be(4);
        head.MissingCount.Should().Be(0);
        head.HasLabels.Should().BeTrue();
        head.Metrics.Accuracy.Should().Be(0.75);
        head.Metrics.BalancedAccuracy.Should().BeApproximately(5.0 / 6.0, 1e-12);
        head.Metrics.MacroF1.Should().BeApproximately(7.0 / 9.0, 1e-12);
        head.Metrics.Qwk.Should().BeApproximately(0.8, 1e-12);
        head.Metrics.Mae.Should().Be(0.25);
        head.Metrics.Nll.Should().BeApproximately(-(Math.Log(0.8) + Math.Log(0.4) + Math.Log(0.7) + Math.Log(0.8)) / 4, 1e-12);
        head.Metrics.Brier.Should().BeApproximately(0.22, 1e-12);
        head.Metrics.Ece.Should().BeApproximately(0.3, 1e-12);
        head.QwkUndefinedReason.Should().BeNull();
        head.PerClass.Support.Should().Equal(2, 1, 1);
        head.PerClass.Precision.Should().Equal(1.0, 0.5, 1.0);
        head.ConfusionMatrix.Should().BeEquivalentTo(new[] { new long[] { 1, 1, 0 }, [0, 1, 0], [0, 0, 1] });
    }

    [Fact]
    public void When_every_label_is_missing_it_should_report_no_labels_and_null_metrics()
    {
        // Act
        HeadEvaluation head = ReportFixture.Empty();

        // Assert
        head.HasLabels.Should().BeFalse();
        head.LabelledCount.Should().Be(0);
        head.MissingCount.Should().Be(4);
        head.Metrics.Should().Be(new MetricSummary(null, null, null, null, null, null, null, null));
        head.QwkUndefinedReason.Should().Be(QuadraticWeightedKappa.NoLabelsReason);
        head.ConfusionMatrix.SelectMany(r => r).Should().OnlyContain(c => c == 0);
        head.Reliability.Should().OnlyContain(b => b.Count == 0);
    }

    [Fact]
    public void When_a_label_exceeds_the_class_count_it_should_name_the_head_label_and_row()
    {
        // Act
        Action act = () => HeadEvaluator.Evaluate("acting", [0, 5, 1, 2], ReportFixture.ActingProbabilities, [0, 1, 1, 2]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("head 'acting': label 5 at row 1 is outside 0..2*");
    }

    [Fact]
    public void When_probabilities_look_like_logits_it_should_name_the_head_and_row()
    {
        // Arrange
        var logits = new double[,] { { 2.0, 1.5 } };

        // Act
        Action act = () => HeadEvaluator.Evaluate("acting", [0], logits, [0]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("head 'acting': probabilities at row 0 sum to 3.5, not 1*");
    }

    [Fact]
    public void When_the_label_count_differs_from_the_row_count_it_should_say_so()
    {
        // Act
        Action act = () => HeadEvaluator.Evaluate("acting", [0, 1], ReportFixture.ActingProbabilities, [0, 1, 1, 2]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("head 'acting': there are 2 labels but 4 rows*");
    }

    [Fact]
    public void When_the_column_count_differs_from_the_head_class_count_it_should_say_both()
    {
        // Act: ActingProbabilities has 3 columns.
        Action act = () => HeadEvaluator.Evaluate(
            "acting", ReportFixture.ActingLabels, ReportFixture.ActingProbabilities, [0, 1, 1, 2], classCount: 5);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("head 'acting': probabilities have 3 columns but the head has 5 classes*");
    }
}
