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

    [Fact]
    public void When_classes_share_bins_it_should_average_each_class_ece_over_all_classes()
    {
        // Arrange: K = 3; no probability lies on a bin edge (multiples of 1/15). Bin of x: ⌈15x⌉ − 1.
        //   row 0: p = [0.70, 0.25, 0.05], y 0
        //   row 1: p = [0.55, 0.35, 0.10], y 1
        //   row 2: p = [0.10, 0.25, 0.65], y 2
        //   row 3: p = [0.05, 0.30, 0.65], y 2
        //   row 4: missing, ignored
        // class 0 (p0, hit when y = 0): 0.70 hit (bin 10), 0.55 miss (bin 8), 0.10 miss (bin 1), 0.05 miss (bin 0);
        //   one row per bin → ECE0 = (0.30 + 0.55 + 0.10 + 0.05) / 4 = 0.25
        // class 1 (p1): 0.25 miss and 0.25 miss share bin 3 (mean 0.25, frequency 0) → ½·0.25 = 0.125;
        //   0.35 hit (bin 5) → ¼·0.65 = 0.1625; 0.30 miss (bin 4) → ¼·0.30 = 0.075 → ECE1 = 0.3625
        // class 2 (p2): 0.05 miss (bin 0) → 0.0125; 0.10 miss (bin 1) → 0.025; 0.65 hit twice in bin 9
        //   (mean 0.65, frequency 1) → ½·0.35 = 0.175 → ECE2 = 0.2125
        // class-wise ECE = (0.25 + 0.3625 + 0.2125) / 3 = 0.275
        var p = new double[,]
        {
            { 0.70, 0.25, 0.05 }, { 0.55, 0.35, 0.10 }, { 0.10, 0.25, 0.65 }, { 0.05, 0.30, 0.65 }, { 0.5, 0.3, 0.2 },
        };
        int[] labels = [0, 1, 2, 2, -1];

        // Act
        double? classwise = CalibrationError.ClasswiseCalibrationError(labels, p);
        IReadOnlyList<IReadOnlyList<ReliabilityBin>> perClass = CalibrationError.ClassReliabilityDiagrams(labels, p);

        // Assert
        classwise.Should().BeApproximately(0.275, 1e-12);
        perClass.Should().HaveCount(3);
        perClass[1][3].Count.Should().Be(2);
        perClass[1][3].MeanConfidence.Should().BeApproximately(0.25, 1e-12);
        perClass[1][3].Accuracy.Should().Be(0);
        perClass[2][9].Count.Should().Be(2);
        perClass[2][9].Accuracy.Should().Be(1);
        perClass.Select(CalibrationError.ExpectedCalibrationError).Should()
            .BeEquivalentTo(new double?[] { 0.25, 0.3625, 0.2125 }, o => o.Using<double>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-12)).WhenTypeIs<double>());
    }

    [Fact]
    public void When_an_equal_mass_group_spans_two_width_bins_it_should_differ_from_the_ece()
    {
        // Arrange: N = 16 rows, so the 15 equal-mass groups are one of 2 rows (the two lowest confidences) and 14 of 1.
        //   row A: p = [0.52, 0.48], y 1 → confidence 0.52, miss
        //   row B: p = [0.30, 0.70], y 1 → confidence 0.70, hit
        //   14 rows: p = [0.9, 0.1], y 0 → confidence 0.9, hit
        // adaptive: group {A, B}: |1 − (0.52 + 0.70)| = 0.22; 14 singletons |1 − 0.9| = 0.1 each → (0.22 + 1.4) / 16 = 0.10125
        // equal-width ECE: A (bin 7) 0.52, B (bin 10) 0.30, the 14 rows (bin 13) 1.4 → (0.52 + 0.30 + 1.4) / 16 = 0.13875
        var rows = new List<double[]> { new[] { 0.52, 0.48 }, new[] { 0.30, 0.70 } };
        rows.AddRange(Enumerable.Repeat(new[] { 0.9, 0.1 }, 14));
        double[,] p = ToMatrix(rows);
        int[] labels = [1, 1, .. Enumerable.Repeat(0, 14)];

        // Act
        double? adaptive = CalibrationError.AdaptiveCalibrationError(labels, p);
        double? ece = CalibrationError.ExpectedCalibrationError(labels, p);

        // Assert
        adaptive.Should().BeApproximately(0.10125, 1e-12);
        ece.Should().BeApproximately(0.13875, 1e-12);
    }

    [Fact]
    public void When_confidences_tie_across_a_group_boundary_it_should_keep_row_order()
    {
        // Arrange: 16 rows, every one p = [0.75, 0.25]; one row is labelled 1 (a miss), the rest 0 (hits). Sorted
        // stably, the groups are rows {0, 1}, then {2} … {15}.
        //   miss at row 0:  group {0, 1}: |1 − 1.5| = 0.5; 14 hits |1 − 0.75| = 0.25 → (0.5 + 3.5) / 16 = 0.25
        //   miss at row 15: group {0, 1}: |2 − 1.5| = 0.5; 13 hits → 3.25; the miss |0 − 0.75| = 0.75 → 4.5 / 16 = 0.28125
        double[,] p = ToMatrix(Enumerable.Repeat(new[] { 0.75, 0.25 }, 16));
        int[] missFirst = [1, .. Enumerable.Repeat(0, 15)];
        int[] missLast = [.. Enumerable.Repeat(0, 15), 1];

        // Act
        double? first = CalibrationError.AdaptiveCalibrationError(missFirst, p);
        double? last = CalibrationError.AdaptiveCalibrationError(missLast, p);

        // Assert
        first.Should().BeApproximately(0.25, 1e-12);
        last.Should().BeApproximately(0.28125, 1e-12);
    }

    [Fact]
    public void When_there_are_fewer_rows_than_bins_it_should_give_each_row_its_own_group()
    {
        // Arrange: ProbabilisticMetricsTests' fixture, 4 labelled rows → 4 groups of one, 11 empty:
        //   |1 − 0.7| + |0 − 0.6| + |1 − 0.5| + |0 − 1.0| = 2.4 → 2.4 / 4 = 0.6 (here equal to the ECE, one row per bin)

        // Act
        double? adaptive = CalibrationError.AdaptiveCalibrationError(ProbabilisticMetricsTests.Labels, ProbabilisticMetricsTests.Probabilities);

        // Assert
        adaptive.Should().BeApproximately(0.6, 1e-12);
    }

    [Fact]
    public void When_every_label_is_missing_it_should_return_null_for_the_class_wise_and_adaptive_ece()
    {
        // Act
        double? classwise = CalibrationError.ClasswiseCalibrationError([-1, -1, -1, -1, -1], ProbabilisticMetricsTests.Probabilities);
        double? adaptive = CalibrationError.AdaptiveCalibrationError([-1, -1, -1, -1, -1], ProbabilisticMetricsTests.Probabilities);

        // Assert
        classwise.Should().BeNull();
        adaptive.Should().BeNull();
    }

    [Fact]
    public void When_a_bin_holds_rows_it_should_carry_the_95_percent_wilson_interval_of_its_accuracy()
    {
        // Arrange: a bin of 10 rows, 3 right. Wilson (z = 1.959964): z²/n = 0.384146, centre = (0.3 + 0.192073) /
        // 1.384146 = 0.355506, half-width = 1.959964 / 1.384146 · √(0.021 + 0.009604) = 1.416011 · 0.174939 = 0.247715
        // → [0.107791, 0.603222] (scipy: binomtest(3, 10).proportion_ci(method='wilson') = [0.1077913, 0.6032219]).
        var bin = new ReliabilityBin(0.2, 0.3, 10, 0.25, 0.3);

        // Act
        double? lower = bin.AccuracyLower;
        double? upper = bin.AccuracyUpper;

        // Assert
        lower.Should().BeApproximately(0.107791, 1e-6);
        upper.Should().BeApproximately(0.603222, 1e-6);
        new ReliabilityBin(0, 0.1, 0, null, null).AccuracyLower.Should().BeNull();
    }

    private static double[,] ToMatrix(IEnumerable<double[]> rows)
    {
        double[][] list = [.. rows];
        var result = new double[list.Length, list[0].Length];
        for (int r = 0; r < list.Length; r++)
        {
            for (int c = 0; c < list[r].Length; c++)
            {
                result[r, c] = list[r][c];
            }
        }

        return result;
    }
}
