using FluentAssertions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

public class CalibrationErrorTests
{
    [Fact]
    public void When_rows_fall_in_four_bins_it_should_weight_each_bin_gap_by_its_share()
    {
        // Arrange: ProbabilisticMetricsTests' fixture; bins of width 1/15, bin b = (b/15, (b+1)/15].
        //   row 0: conf 0.7, top 0, y 0 → correct; 0.7·15 = 10.5 → bin 10 (0.667, 0.733]
        //   row 1: conf 0.6, top 1, y 2 → wrong;   0.6·15 = 9 exactly → upper edge of bin 8 (0.533, 0.6]
        //   row 2: conf 0.5, top 2, y 2 → correct; 0.5·15 = 7.5 → bin 7 (0.467, 0.533]
        //   row 3: missing, ignored
        //   row 4: conf 1.0, top 0, y 1 → wrong;   bin 14 (0.933, 1]
        // ECE = ¼·|1 − 0.7| + ¼·|0 − 0.6| + ¼·|1 − 0.5| + ¼·|0 − 1| = (0.3 + 0.6 + 0.5 + 1) / 4 = 0.6
        // Act
        double? ece = CalibrationError.ExpectedCalibrationError(ProbabilisticMetricsTests.Labels, ProbabilisticMetricsTests.Probabilities);
        IReadOnlyList<ReliabilityBin> bins = CalibrationError.ReliabilityDiagram(
            ProbabilisticMetricsTests.Labels, ProbabilisticMetricsTests.Probabilities);

        // Assert
        ece.Should().BeApproximately(0.6, 1e-12);
        bins.Should().HaveCount(15);
        bins.Select(b => b.Count).Should().Equal(0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1);
        bins[8].MeanConfidence.Should().Be(0.6);
        bins[8].Accuracy.Should().Be(0.0);
        bins[8].Lower.Should().BeApproximately(8.0 / 15.0, 1e-15);
        bins[8].Upper.Should().BeApproximately(0.6, 1e-15);
        bins[10].Accuracy.Should().Be(1.0);
        bins[0].MeanConfidence.Should().BeNull();
        bins[0].Accuracy.Should().BeNull();
    }

    [Fact]
    public void When_predictions_are_perfect_it_should_equal_the_mean_underconfidence()
    {
        // Arrange: every argmax is right. Confidences 0.9, 0.8, 0.9, 0.9.
        //   0.9 → bin 13 (0.867, 0.933]: 3 rows, accuracy 1, mean confidence 0.9
        //   0.8 → 0.8·15 = 12 exactly → bin 11 (0.733, 0.8]: 1 row, accuracy 1
        // ECE = ¾·|1 − 0.9| + ¼·|1 − 0.8| = 0.075 + 0.05 = 0.125
        var p = new double[,] { { 0.9, 0.1, 0 }, { 0.2, 0.8, 0 }, { 0, 0.1, 0.9 }, { 0.05, 0.05, 0.9 } };
        int[] labels = [0, 1, 2, 2];

        // Act
        double? ece = CalibrationError.ExpectedCalibrationError(labels, p);
        IReadOnlyList<ReliabilityBin> bins = CalibrationError.ReliabilityDiagram(labels, p);

        // Assert
        ece.Should().BeApproximately(0.125, 1e-12);
        bins[13].Count.Should().Be(3);
        bins[11].Count.Should().Be(1);
    }

    [Fact]
    public void When_every_label_is_missing_it_should_return_null_and_empty_bins()
    {
        // Act
        double? ece = CalibrationError.ExpectedCalibrationError([-1, -1, -1, -1, -1], ProbabilisticMetricsTests.Probabilities);
        IReadOnlyList<ReliabilityBin> bins = CalibrationError.ReliabilityDiagram([-1, -1, -1, -1, -1], ProbabilisticMetricsTests.Probabilities);

        // Assert
        ece.Should().BeNull();
        bins.Should().OnlyContain(b => b.Count == 0 && b.Accuracy == null);
    }
}
