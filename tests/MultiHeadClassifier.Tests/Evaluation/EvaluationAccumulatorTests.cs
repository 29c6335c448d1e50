using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

public class EvaluationAccumulatorTests
{
    private static readonly MultiHeadModelOptions SmallModel = new() { Seed = 3, Backbone = new() { HiddenSizes = [8] } };

    /// <summary>Chunkings of 700 rows: one row at a time, uneven sizes, and all at once.</summary>
    public static TheoryData<HeadLoss, string> Chunkings()
    {
        var data = new TheoryData<HeadLoss, string>();
        foreach (HeadLoss loss in new[] { HeadLoss.CrossEntropy, HeadLoss.Corn, HeadLoss.Coral })
        {
            data.Add(loss, "1");
            data.Add(loss, "1,2,5,37,200,1,454");
            data.Add(loss, "700");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void When_rows_are_added_in_chunks_it_should_give_the_whole_data_report_exactly(HeadLoss loss, string sizes)
    {
        // Arrange: 700 rows with 20% of labels missing, a fourth head with every label missing; the whole-data
        // report is ModelEvaluator's, and the chunks carry the same rows' probabilities, sliced.
        var data = WithUnlabelledHead(TestData.Ratings(700, seed: 11, missing: 0.2));
        HeadDefinition[] heads = [.. data.HeadNames!.Select(n => new HeadDefinition(n, 5, loss: loss))];
        using var model = MultiHeadModel.Create(data.FeatureCount, heads, SmallModel);
        var rule = DecisionRule.Median;
        var whole = ModelEvaluator.Evaluate(model, data, LogitCorrection.None, rule);
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, model.Predict(data), LogitCorrection.None));

        // Act
        var accumulator = new EvaluationAccumulator(heads);
        foreach (var (start, count) in Spans(sizes, data.RowCount))
        {
            var chunk = data.Slice(start, count);
            var p = probabilities.ToDictionary(e => e.Key, e => Rows(e.Value, start, count));
            accumulator.Add(chunk, p, head => rule.ForHead(model, head));
        }

        var streamed = accumulator.ToReport();

        // Assert
        whole.Heads["makeup"].HasLabels.Should().BeFalse();
        whole.Heads["plot"].MissingCount.Should().BeGreaterThan(0);
        ShouldBeIdentical(streamed, whole);
    }

    [Fact]
    public void When_a_model_is_evaluated_in_chunks_of_its_forward_batch_it_should_give_the_whole_data_report_exactly()
    {
        // Arrange: chunks of 2,048 rows (the forward batch), so each chunk's logits are those of the whole pass.
        var data = TestData.Ratings(5000, seed: 12, missing: 0.1);
        HeadDefinition[] heads = [new("plot", 5), new("dialog", 5, loss: HeadLoss.Corn), new("acting", 5, loss: HeadLoss.Coral), new("makeup", 5)];
        using var model = MultiHeadModel.Create(data.FeatureCount, heads, SmallModel);

        // Act
        var whole = ModelEvaluator.Evaluate(model, data, LogitCorrection.None, DecisionRule.ExpectedValue);
        var streamed = ModelEvaluator.Evaluate(model, Chunks(data, 2048), LogitCorrection.None, DecisionRule.ExpectedValue);

        // Assert
        ShouldBeIdentical(streamed, whole);
    }

    [Fact]
    public void When_an_ensemble_is_evaluated_in_chunks_it_should_give_the_whole_data_report_exactly()
    {
        // Arrange
        var data = TestData.Ratings(3000, seed: 13, missing: 0.1);
        HeadDefinition[] heads = [new("plot", 5), new("dialog", 5, loss: HeadLoss.Corn), new("acting", 5, loss: HeadLoss.Coral), new("makeup", 5)];
        using var ensemble = new MultiHeadEnsemble([
            MultiHeadModel.Create(data.FeatureCount, heads, SmallModel),
            MultiHeadModel.Create(data.FeatureCount, heads, SmallModel with { Seed = 4 })]);

        // Act
        var whole = ModelEvaluator.Evaluate(ensemble, data, LogitCorrection.None);
        var streamed = ModelEvaluator.Evaluate(ensemble, Chunks(data, 2048), LogitCorrection.None);

        // Assert
        ShouldBeIdentical(streamed, whole);
    }

    [Fact]
    public void When_confidences_tie_across_an_adaptive_bin_edge_it_should_keep_row_order_as_a_stable_sort_does()
    {
        // Arrange: 40 rows of 2 classes whose confidences take only 3 values, so equal-mass groups of 3 or 2 rows
        // cut through runs of ties; hits alternate irregularly. The reference is the definition written out: a
        // stable sort by confidence (LINQ's OrderBy), numpy's array_split sizes, Σ |hits − Σ confidence| / N.
        double[] levels = [0.55, 0.7, 0.9];
        int n = 40;
        var probabilities = new double[n, 2];
        var labels = new int[n];
        for (int r = 0; r < n; r++)
        {
            double top = levels[(r * 7) % 3];
            probabilities[r, 0] = top;
            probabilities[r, 1] = 1 - top;
            labels[r] = (r * r) % 5 == 0 ? 1 : 0;
        }

        var order = Enumerable.Range(0, n).OrderBy(r => probabilities[r, 0]).ToArray();
        double expected = 0;
        for (int b = 0, start = 0; b < 15; b++)
        {
            int size = (n / 15) + (b < n % 15 ? 1 : 0);
            var group = order.Skip(start).Take(size).ToArray();
            expected += Math.Abs(group.Count(r => labels[r] == 0) - group.Sum(r => probabilities[r, 0])) / n;
            start += size;
        }

        // Act: rows added in chunks of 3
        var accumulator = new HeadEvaluationAccumulator("acting", 2);
        for (int start = 0; start < n; start += 3)
        {
            int count = Math.Min(3, n - start);
            accumulator.Add(labels[start..(start + count)], Rows(probabilities, start, count), DecisionRule.Argmax);
        }

        // Assert
        accumulator.ToEvaluation().Metrics.AdaptiveEce.Should().BeApproximately(expected, 1e-15);
    }

    [Fact]
    public void When_a_later_chunk_has_a_bad_label_it_should_name_the_head_the_row_and_where_the_chunk_starts()
    {
        // Arrange
        var accumulator = new HeadEvaluationAccumulator("acting", 2);
        accumulator.Add([0, 1], new double[,] { { 0.6, 0.4 }, { 0.3, 0.7 } }, [0, 1]);

        // Act
        Action act = () => accumulator.Add([1, 7], new double[,] { { 0.6, 0.4 }, { 0.3, 0.7 } }, [0, 1]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("head 'acting': label 7 at row 1 is outside 0..1*chunk starting at row 2*");
        accumulator.RowCount.Should().Be(2);
    }

    private static IEnumerable<MultiHeadDataset> Chunks(MultiHeadDataset data, int size)
    {
        for (int start = 0; start < data.RowCount; start += size)
        {
            yield return data.Slice(start, Math.Min(size, data.RowCount - start));
        }
    }

    private static IEnumerable<(int Start, int Count)> Spans(string sizes, int rows)
    {
        int[] given = [.. sizes.Split(',').Select(int.Parse)];
        int start = 0;
        for (int i = 0; start < rows; i++)
        {
            int count = Math.Min(given[Math.Min(i, given.Length - 1)], rows - start);
            yield return (start, count);
            start += count;
        }
    }

    private static double[,] Rows(double[,] matrix, int start, int count)
    {
        var result = new double[count, matrix.GetLength(1)];
        for (int r = 0; r < count; r++)
        {
            for (int c = 0; c < matrix.GetLength(1); c++)
            {
                result[r, c] = matrix[start + r, c];
            }
        }

        return result;
    }

    /// <summary>The data with its last head's labels all missing.</summary>
    private static MultiHeadDataset WithUnlabelledHead(MultiHeadDataset data)
    {
        var features = new float[data.RowCount, data.FeatureCount];
        var labels = new int[data.RowCount, data.HeadCount];
        for (int r = 0; r < data.RowCount; r++)
        {
            for (int j = 0; j < data.FeatureCount; j++)
            {
                features[r, j] = data.Features[(r * data.FeatureCount) + j];
            }

            for (int h = 0; h < data.HeadCount; h++)
            {
                labels[r, h] = h == data.HeadCount - 1 ? MultiHeadDataset.MissingLabel : data.Label(r, h);
            }
        }

        return new MultiHeadDataset(features, labels, data.HeadNames);
    }

    /// <summary>Every value of both reports is equal, exactly: JSON (all keys) plus the per-class diagrams.</summary>
    private static void ShouldBeIdentical(EvaluationReport actual, EvaluationReport expected)
    {
        actual.ToJson().Should().Be(expected.ToJson());
        actual.Mean.Should().Be(expected.Mean);
        foreach (var (name, head) in expected.Heads)
        {
            actual.Heads[name].Metrics.Should().Be(head.Metrics);
            actual.Heads[name].ClassReliability.SelectMany(b => b).Should().Equal(head.ClassReliability.SelectMany(b => b));
            actual.Heads[name].Reliability.Should().Equal(head.Reliability);
        }
    }
}
