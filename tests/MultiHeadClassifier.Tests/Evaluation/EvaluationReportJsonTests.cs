using System.Globalization;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

/// <summary>
/// The report's JSON is an external contract. These specs compare <see cref="EvaluationReport.ToJson"/> byte for
/// byte with <see cref="ReferenceWriter"/>, the field-by-field <see cref="Utf8JsonWriter"/> algorithm that defined
/// the contract, on reports that exercise every branch: heads without labels, an undefined kappa, no heads at all,
/// names and reasons that need escaping, non-finite metrics and awkward numbers.
/// </summary>
public class EvaluationReportJsonTests
{
    /// <summary>The names of the reports in <see cref="Reports"/>, for the theories.</summary>
    public static TheoryData<string, bool> ReportNames()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in Reports.Keys)
        {
            data.Add(name, true);
            data.Add(name, false);
        }

        return data;
    }

    private static readonly Dictionary<string, Func<EvaluationReport>> Reports = new()
    {
        ["three heads"] = ReportFixture.Report,
        ["every label missing"] = () => new EvaluationReport([ReportFixture.Empty()]),
        ["undefined kappa"] = () => new EvaluationReport([SingleClass(), ReportFixture.Acting()]),
        ["no heads"] = () => new EvaluationReport([]),
        ["names that need escaping"] = () => new EvaluationReport(
        [
            ReportFixture.Acting() with { Name = "plot \"quoted\" <&> 'x' +" },
            ReportFixture.Perfect() with { Name = "café – ünïcødé ∞ \t tab", QwkUndefinedReason = "why: \"\\\" / \u0001 é" },
        ]),
        ["non-finite metrics"] = () => new EvaluationReport([NonFinite(), ReportFixture.Perfect()]),
        ["awkward numbers"] = () => new EvaluationReport([Awkward()]),
        ["many rows"] = () => new EvaluationReport([RandomHead("a", 5, 300, 7), RandomHead("b", 2, 50, 8), RandomHead("c", 7, 1000, 9)]),
    };

    [Theory]
    [MemberData(nameof(ReportNames))]
    public void When_serialised_it_should_equal_the_reference_writer_byte_for_byte(string name, bool indented)
    {
        // Arrange
        EvaluationReport report = Reports[name]();
        string expected = ReferenceWriter.Write(report, indented);

        // Act
        string actual = report.ToJson(indented);

        // Assert
        Encoding.UTF8.GetBytes(actual).Should().Equal(Encoding.UTF8.GetBytes(expected));
    }

    [Fact]
    public void When_serialised_compactly_it_should_equal_the_golden_text()
    {
        // Arrange: one head without labels and one with a single class, so every value is short and exact.
        // "only" K = 2, argmax; rows p = [0.75, 0.25], [0.5, 0.5], [0.25, 0.75] with labels 0, 0, −1 → both
        // predictions are class 0 and right: accuracy 1, MAE 0, kappa undefined; balanced accuracy and macro F1
        // average over the one present class → 1 (class 1 has precision, recall and F1 0 by zero_division=0);
        // NLL = −(ln 0.75 + ln 0.5) / 2; Brier = (2·0.0625 + 2·0.25) / 2 = 0.3125; ECE: bins 7 (0.5, right,
        // gap 0.5) and 11 (0.75, gap 0.25), each weight ½ → 0.375. AMAE 0 (class 0's MAE; class 1 has no rows),
        // RMSE 0. Class-wise ECE: class 0, p0 0.75 and 0.5 both labelled 0 → gaps 0.25 and 0.5 → 0.375; class 1,
        // p1 0.25 and 0.5 never labelled 1 → 0.375; mean 0.375. Adaptive ECE: 2 rows, a group each → 0.375.
        // "empty" is all null; the mean is "only".
        var only = HeadEvaluator.Evaluate(
            "only", [0, 0, -1], new double[,] { { 0.75, 0.25 }, { 0.5, 0.5 }, { 0.25, 0.75 } }, DecisionRule.Argmax);
        var report = new EvaluationReport([only, ReportFixture.Empty()]);
        double nll = -(Math.Log(0.75) + Math.Log(0.5)) / 2;
        string nllText = Number(nll);
        string emptyBins = string.Join(",", Enumerable.Range(0, 15).Select(b => Bin(b, 0, null, null)));
        string onlyBins = string.Join(",", Enumerable.Range(0, 15).Select(b => b switch
        {
            7 => Bin(b, 1, "0.5", "1"),
            11 => Bin(b, 1, "0.75", "1"),
            _ => Bin(b, 0, null, null),
        }));
        string nulls = "\"accuracy\":null,\"balanced_accuracy\":null,\"macro_f1\":null,\"qwk\":null,\"mae\":null,"
            + "\"nll\":null,\"brier\":null,\"ece\":null,\"amae\":null,\"rmse\":null,\"classwise_ece\":null,\"adaptive_ece\":null";
        string expected =
            "{\"heads\":{"
            + "\"only\":{\"accuracy\":1,\"balanced_accuracy\":1,\"macro_f1\":1,\"qwk\":null,\"mae\":0,"
            + $"\"nll\":{nllText},\"brier\":0.3125,\"ece\":0.375,"
            + "\"amae\":0,\"rmse\":0,\"classwise_ece\":0.375,\"adaptive_ece\":0.375,"
            + "\"qwk_undefined_reason\":\"undefined: only one class present in labels and predictions\","
            + "\"class_count\":2,\"labelled\":2,\"missing\":1,\"has_labels\":true,\"support\":[2,0],"
            + "\"confusion_matrix\":[[2,0],[0,0]],\"per_class\":{\"precision\":[1,0],\"recall\":[1,0],\"f1\":[1,0]},"
            + $"\"reliability\":[{onlyBins}]}},"
            + $"\"empty\":{{{nulls},\"qwk_undefined_reason\":\"undefined: no labelled rows\","
            + "\"class_count\":2,\"labelled\":0,\"missing\":4,\"has_labels\":false,\"support\":[0,0],"
            + "\"confusion_matrix\":[[0,0],[0,0]],\"per_class\":{\"precision\":[0,0],\"recall\":[0,0],\"f1\":[0,0]},"
            + $"\"reliability\":[{emptyBins}]}}}},"
            + "\"mean\":{\"accuracy\":1,\"balanced_accuracy\":1,\"macro_f1\":1,\"qwk\":null,\"mae\":0,"
            + $"\"nll\":{nllText},\"brier\":0.3125,\"ece\":0.375,"
            + "\"amae\":0,\"rmse\":0,\"classwise_ece\":0.375,\"adaptive_ece\":0.375}}";

        // Act
        string actual = report.ToJson(indented: false);

        // Assert
        actual.Should().Be(expected);
    }

    [Fact]
    public void When_a_non_nullable_number_is_not_finite_it_should_throw_like_the_reference_writer()
    {
        // Arrange: JSON has no NaN; the reference writer refuses it where the contract has no null.
        HeadEvaluation acting = ReportFixture.Acting();
        var report = new EvaluationReport(
        [
            acting with { PerClass = acting.PerClass with { Precision = [double.NaN, 1, 1] } },
        ]);
        Action reference = () => ReferenceWriter.Write(report, indented: false);
        reference.Should().Throw<ArgumentException>();

        // Act
        Action act = () => report.ToJson(indented: false);

        // Assert
        act.Should().Throw<ArgumentException>();
    }

    private static string Bin(int index, int count, string? meanConfidence, string? accuracy)
    {
        // The bin edges are b/15 and (b+1)/15.
        string lower = Number(index / 15.0);
        string upper = Number((index + 1) / 15.0);
        return $"{{\"lower\":{lower},\"upper\":{upper},\"count\":{count},"
            + $"\"mean_confidence\":{meanConfidence ?? "null"},\"accuracy\":{accuracy ?? "null"}}}";
    }

    /// <summary>A double's shortest round-trip text, as JSON writes a fraction without exponent.</summary>
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Every row is labelled and predicted as class 1 of 3: the kappa is undefined.</summary>
    private static HeadEvaluation SingleClass() =>
        HeadEvaluator.Evaluate(
            "single",
            [1, 1, -1, 1],
            new double[,] { { 0.1, 0.8, 0.1 }, { 0.2, 0.6, 0.2 }, { 0.3, 0.4, 0.3 }, { 0, 1, 0 } },
            DecisionRule.Argmax);

    /// <summary>Scalars and bin values that JSON cannot hold; the contract writes null for them.</summary>
    private static HeadEvaluation NonFinite()
    {
        HeadEvaluation acting = ReportFixture.Acting();
        List<ReliabilityBin> bins = [.. acting.Reliability];
        bins[11] = bins[11] with { MeanConfidence = double.NaN, Accuracy = double.PositiveInfinity };
        return acting with
        {
            Name = "non-finite",
            Metrics = new MetricSummary(double.NaN, double.PositiveInfinity, double.NegativeInfinity, null, 0.5, double.NaN, 1, null)
            {
                Amae = double.NaN, Rmse = 2, ClasswiseEce = double.PositiveInfinity, AdaptiveEce = null,
            },
            Reliability = bins,
        };
    }

    /// <summary>Numbers whose text form is easy to get wrong: shortest round trip, extremes, negative zero.</summary>
    private static HeadEvaluation Awkward()
    {
        HeadEvaluation acting = ReportFixture.Acting();
        return acting with
        {
            Name = "awkward",
            Metrics = new MetricSummary(0.1 + 0.2, 1e-300, -0.0, 1 / 3.0, double.Epsilon, double.MaxValue, 123456789.125, -2.5e-7)
            {
                Amae = 0.1 + 0.7, Rmse = 1e21, ClasswiseEce = -0.0, AdaptiveEce = double.MinValue,
            },
            QwkUndefinedReason = "",
            LabelledCount = int.MaxValue,
            MissingCount = 0,
            ConfusionMatrix = [[long.MaxValue, long.MinValue, 0], [1, 2, 3], [-1, 0, 1]],
            PerClass = acting.PerClass with { F1 = [double.MinValue, -0.0, 1e21], Support = [int.MinValue, 0, int.MaxValue] },
        };
    }

    /// <summary>A head evaluated on seeded random probabilities and labels (about 10% missing).</summary>
    private static HeadEvaluation RandomHead(string name, int classCount, int rows, int seed)
    {
        var random = new Random(seed);
        var probabilities = new double[rows, classCount];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            double[] raw = [.. Enumerable.Range(0, classCount).Select(_ => random.NextDouble() + 1e-3)];
            double sum = raw.Sum();
            for (int c = 0; c < classCount; c++)
            {
                probabilities[r, c] = raw[c] / sum;
            }

            labels[r] = random.NextDouble() < 0.1 ? -1 : random.Next(classCount);
        }

        return HeadEvaluator.Evaluate(name, labels, probabilities, DecisionRule.Argmax);
    }

    /// <summary>
    /// The reference: the hand-written <see cref="Utf8JsonWriter"/> algorithm that produced the report's JSON before
    /// it moved to System.Text.Json serialisation, kept verbatim as the definition of the contract.
    /// </summary>
    private static class ReferenceWriter
    {
        internal static string Write(EvaluationReport report, bool indented)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
            {
                writer.WriteStartObject();
                writer.WriteStartObject("heads");
                foreach (HeadEvaluation head in report.Heads.Values)
                {
                    writer.WriteStartObject(head.Name);
                    WriteHead(writer, head);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WriteStartObject("mean");
                WriteScalars(writer, report.Mean);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }

        private static void WriteHead(Utf8JsonWriter writer, HeadEvaluation head)
        {
            WriteScalars(writer, head.Metrics);
            if (head.QwkUndefinedReason is null)
            {
                writer.WriteNull("qwk_undefined_reason");
            }
            else
            {
                writer.WriteString("qwk_undefined_reason", head.QwkUndefinedReason);
            }

            writer.WriteNumber("class_count", head.ClassCount);
            writer.WriteNumber("labelled", head.LabelledCount);
            writer.WriteNumber("missing", head.MissingCount);
            writer.WriteBoolean("has_labels", head.HasLabels);

            writer.WriteStartArray("support");
            foreach (int s in head.PerClass.Support)
            {
                writer.WriteNumberValue(s);
            }

            writer.WriteEndArray();

            writer.WriteStartArray("confusion_matrix");
            foreach (IReadOnlyList<long> row in head.ConfusionMatrix)
            {
                writer.WriteStartArray();
                foreach (long count in row)
                {
                    writer.WriteNumberValue(count);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();

            writer.WriteStartObject("per_class");
            WriteArray(writer, "precision", head.PerClass.Precision);
            WriteArray(writer, "recall", head.PerClass.Recall);
            WriteArray(writer, "f1", head.PerClass.F1);
            writer.WriteEndObject();

            writer.WriteStartArray("reliability");
            foreach (ReliabilityBin bin in head.Reliability)
            {
                writer.WriteStartObject();
                writer.WriteNumber("lower", bin.Lower);
                writer.WriteNumber("upper", bin.Upper);
                writer.WriteNumber("count", bin.Count);
                WriteNullable(writer, "mean_confidence", bin.MeanConfidence);
                WriteNullable(writer, "accuracy", bin.Accuracy);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        private static void WriteScalars(Utf8JsonWriter writer, MetricSummary metrics)
        {
            WriteNullable(writer, "accuracy", metrics.Accuracy);
            WriteNullable(writer, "balanced_accuracy", metrics.BalancedAccuracy);
            WriteNullable(writer, "macro_f1", metrics.MacroF1);
            WriteNullable(writer, "qwk", metrics.Qwk);
            WriteNullable(writer, "mae", metrics.Mae);
            WriteNullable(writer, "nll", metrics.Nll);
            WriteNullable(writer, "brier", metrics.Brier);
            WriteNullable(writer, "ece", metrics.Ece);

            // Added by issue 15, after the first eight so that their order is kept.
            WriteNullable(writer, "amae", metrics.Amae);
            WriteNullable(writer, "rmse", metrics.Rmse);
            WriteNullable(writer, "classwise_ece", metrics.ClasswiseEce);
            WriteNullable(writer, "adaptive_ece", metrics.AdaptiveEce);
        }

        private static void WriteArray(Utf8JsonWriter writer, string name, IReadOnlyList<double> values)
        {
            writer.WriteStartArray(name);
            foreach (double v in values)
            {
                writer.WriteNumberValue(v);
            }

            writer.WriteEndArray();
        }

        private static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
        {
            if (value is double v && double.IsFinite(v))
            {
                writer.WriteNumber(name, v);
            }
            else
            {
                writer.WriteNull(name);
            }
        }
    }
}
