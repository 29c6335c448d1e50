using System.Text;
using System.Text.Json;

namespace MultiHeadClassifier.Evaluation;

/// <summary>Writes an <see cref="EvaluationReport"/> as JSON with the documented key names.</summary>
internal static class EvaluationReportJson
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

    /// <summary>Writes a number, or JSON null for a missing or non-finite value (JSON has no NaN).</summary>
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
