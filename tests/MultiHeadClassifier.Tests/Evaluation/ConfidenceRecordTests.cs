using FluentAssertions;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

/// <summary>
/// Adaptive ECE from a record that wrote sorted runs to its temporary file (a tiny in-memory limit forces it) must
/// equal, bit for bit, the in-memory stable sort of the same rows, which CalibrationErrorTests check by hand.
/// </summary>
public sealed class ConfidenceRecordTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-aece-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Row counts (fewer than, equal to and above the 15 bins) × in-memory limits (1 row to all but one).</summary>
    public static TheoryData<int, int> Sizes()
    {
        var data = new TheoryData<int, int>();
        foreach (int n in new[] { 1, 2, 7, 15, 16, 100, 1000 })
        {
            foreach (int memoryRows in new[] { 1, 2, 3, 7, 64 })
            {
                if (memoryRows <= n)
                {
                    data.Add(n, memoryRows);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void When_rows_with_many_ties_are_spilled_it_should_give_the_in_memory_adaptive_ece_bit_for_bit(int n, int memoryRows)
    {
        // Arrange: confidences from 9 values (many ties, across runs and at bin boundaries) or free, hits at random.
        var random = new Random(n * 31 + memoryRows);
        var rows = new (double Confidence, bool Hit)[n];
        for (int i = 0; i < n; i++)
        {
            double confidence = random.Next(3) == 0 ? 0.2 + (0.8 * random.NextDouble()) : 0.2 + (0.1 * random.Next(9));
            rows[i] = (confidence, random.Next(2) == 0);
        }

        // Act
        double? expected = InMemory(rows);
        double? spilled = Spilled(rows, memoryRows, out bool hasSpilled);

        // Assert
        hasSpilled.Should().BeTrue();
        expected.Should().NotBeNull();
        BitConverter.DoubleToInt64Bits(spilled!.Value).Should().Be(BitConverter.DoubleToInt64Bits(expected!.Value));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(14, 3)]
    [InlineData(301, 10)]
    public void When_every_confidence_is_equal_it_should_give_the_in_memory_adaptive_ece_bit_for_bit(int n, int memoryRows)
    {
        // Arrange: one confidence for all; the bins then differ only by which rows (hits or not) fall in each.
        var rows = Enumerable.Range(0, n).Select(i => (0.6, i % 3 == 0)).ToArray();

        // Act
        double? expected = InMemory(rows);
        double? spilled = Spilled(rows, memoryRows, out bool hasSpilled);

        // Assert
        hasSpilled.Should().BeTrue();
        BitConverter.DoubleToInt64Bits(spilled!.Value).Should().Be(BitConverter.DoubleToInt64Bits(expected!.Value));
    }

    [Fact]
    public void When_tied_rows_are_in_different_runs_it_should_keep_them_in_recording_order()
    {
        // Arrange: 16 rows, 4 per run. Rows 1 and 5 (confidence 0.5, hits) and row 9 (0.5, miss) tie; the others are
        // 0.9 misses. Sorted stably, the bins hold 2, 1, 1, ... rows: {0.5 hit, 0.5 hit} → |2 − 1.0| = 1;
        // {0.5 miss} → |0 − 0.5| = 0.5; then 13 × {0.9 miss} → 0.9 each. AECE = (1 + 0.5 + 11.7) / 16 = 0.825.
        // Putting the miss first among the ties would give (0 + 0.5 + 11.7) / 16 = 0.7625 instead.
        var rows = Enumerable.Range(0, 16).Select(i => i switch
        {
            1 or 5 => (0.5, true),
            9 => (0.5, false),
            _ => (0.9, false),
        }).ToArray();

        // Act
        double? spilled = Spilled(rows, 4, out bool hasSpilled);

        // Assert
        hasSpilled.Should().BeTrue();
        spilled.Should().BeApproximately(0.825, 1e-12);
    }

    [Fact]
    public void When_the_record_has_spilled_it_should_leave_no_file_in_the_folder_and_hold_only_its_limit_in_memory()
    {
        // Arrange
        using var record = new ConfidenceRecord(5, _folder);

        // Act
        for (int i = 0; i < 23; i++)
        {
            record.Add(0.5 + (0.01 * (i % 4)), i % 2 == 0);
        }

        double? first = CalibrationError.AdaptiveCalibrationError(record);
        double? second = CalibrationError.AdaptiveCalibrationError(record);

        // Assert: 4 runs of 5 written, 3 rows in memory, and the file's name removed from the folder at once.
        record.RunLengths.Should().Equal(5, 5, 5, 5);
        record.InMemoryCount.Should().Be(3);
        record.Count.Should().Be(23);
        Directory.EnumerateFileSystemEntries(_folder).Should().BeEmpty();
        second.Should().Be(first);
    }

    [Fact]
    public void When_a_head_accumulator_spills_it_should_give_the_same_evaluation_bit_for_bit_before_and_after_more_rows()
    {
        // Arrange: 3 classes, probabilities on a 0.1 grid (many tied confidences), 10% of labels missing, added in
        // chunks of 37 rows; one accumulator holds 8 rows in memory, the other all of them.
        var random = new Random(5);
        var rule = DecisionRule.Argmax;
        var spilled = new HeadEvaluationAccumulator("acting", 3, new ConfidenceRecord(8, _folder));
        var inMemory = new HeadEvaluationAccumulator("acting", 3);

        for (int round = 0; round < 2; round++)
        {
            // Act
            for (int chunk = 0; chunk < 5; chunk++)
            {
                var probabilities = new double[37, 3];
                var labels = new int[37];
                for (int r = 0; r < 37; r++)
                {
                    int a = random.Next(11);
                    int b = random.Next(11 - a);
                    probabilities[r, 0] = a / 10.0;
                    probabilities[r, 1] = b / 10.0;
                    probabilities[r, 2] = (10 - a - b) / 10.0;
                    labels[r] = random.Next(10) == 0 ? -1 : random.Next(3);
                }

                spilled.Add(labels, probabilities, rule);
                inMemory.Add(labels, probabilities, rule);
            }

            HeadEvaluation expected = inMemory.ToEvaluation();
            HeadEvaluation actual = spilled.ToEvaluation();

            // Assert
            actual.LabelledCount.Should().Be(expected.LabelledCount).And.BeGreaterThan(8);
            expected.Metrics.AdaptiveEce.Should().NotBeNull();
            BitConverter.DoubleToInt64Bits(actual.Metrics.AdaptiveEce!.Value)
                .Should().Be(BitConverter.DoubleToInt64Bits(expected.Metrics.AdaptiveEce!.Value));
        }

        Directory.EnumerateFileSystemEntries(_folder).Should().BeEmpty();
    }

    [Fact]
    public void When_rows_pass_the_default_limit_it_should_write_runs_of_262144_and_give_the_in_memory_value_bit_for_bit()
    {
        // Arrange: 600,000 rows, confidences on a 1/1000 grid (ties across every run), against a record holding all.
        var random = new Random(9);
        using var spilled = new ConfidenceRecord();
        using var inMemory = new ConfidenceRecord(int.MaxValue, null);
        for (int i = 0; i < 600_000; i++)
        {
            double confidence = 0.2 + (random.Next(801) / 1000.0);
            bool hit = random.NextDouble() < confidence;
            spilled.Add(confidence, hit);
            inMemory.Add(confidence, hit);
        }

        // Act
        double? expected = CalibrationError.AdaptiveCalibrationError(inMemory);
        double? actual = CalibrationError.AdaptiveCalibrationError(spilled);

        // Assert
        spilled.RunLengths.Should().Equal(262_144, 262_144);
        spilled.InMemoryCount.Should().Be(600_000 - (2 * 262_144));
        inMemory.HasSpilled.Should().BeFalse();
        BitConverter.DoubleToInt64Bits(actual!.Value).Should().Be(BitConverter.DoubleToInt64Bits(expected!.Value));
    }

    [Fact]
    public void When_the_temporary_folder_does_not_exist_it_should_name_it_in_the_error()
    {
        // Arrange
        string missing = Path.Combine(_folder, "no-such-folder");
        using var record = new ConfidenceRecord(2, missing);
        record.Add(0.5, true);

        // Act
        Action act = () => record.Add(0.6, false);

        // Assert
        act.Should().Throw<IOException>().WithMessage($"*temporary file in '{missing}'*");
    }

    private static double? InMemory((double Confidence, bool Hit)[] rows)
    {
        using var record = new ConfidenceRecord();
        foreach (var (confidence, hit) in rows)
        {
            record.Add(confidence, hit);
        }

        record.HasSpilled.Should().BeFalse();
        return CalibrationError.AdaptiveCalibrationError(record);
    }

    private double? Spilled((double Confidence, bool Hit)[] rows, int memoryRows, out bool hasSpilled)
    {
        using var record = new ConfidenceRecord(memoryRows, _folder);
        foreach (var (confidence, hit) in rows)
        {
            record.Add(confidence, hit);
        }

        hasSpilled = record.HasSpilled;
        return CalibrationError.AdaptiveCalibrationError(record);
    }
}
