using System.Globalization;
using System.Net;
using System.Text;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Modeling;
using ScottPlot;

namespace MultiHeadClassifier.Cli.Reporting;

/// <summary>A self-contained HTML evaluation report with ScottPlot charts inlined as base64 PNG.</summary>
public static class HtmlReport
{
    /// <summary>Builds the report.</summary>
    /// <param name="model">The model (for head definitions).</param>
    /// <param name="before">The evaluation without correction.</param>
    /// <param name="after">The evaluation with the chosen correction (the same object as <paramref name="before"/> for none).</param>
    /// <param name="correction">The chosen correction.</param>
    /// <param name="decision">The decision rule's name.</param>
    /// <param name="dataName">The data file name.</param>
    /// <returns>The HTML text.</returns>
    public static string Build(MultiHeadModel model, EvaluationReport before, EvaluationReport after, LogitCorrection correction, string decision, string dataName)
    {
        string correctionName = CorrectionName(correction);
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>mhc evaluation</title><style>")
            .AppendLine("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}img{max-width:48%;margin:4px}")
            .AppendLine("</style></head><body>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<h1>Evaluation of {Encode(dataName)}</h1><p>Correction: {Encode(correctionName)}; decision rule: {Encode(decision)}.</p>");
        html.AppendLine("<h2>Mean over heads</h2>").AppendLine(MetricsTable(before.Mean, after.Mean, correctionName));
        foreach (var head in model.Heads)
        {
            var b = before.Heads[head.Name];
            var a = after.Heads[head.Name];
            html.AppendLine(CultureInfo.InvariantCulture, $"<h2>Head {Encode(head.Name)} (K={head.ClassCount}, labelled {a.LabelledCount}, missing {a.MissingCount})</h2>");
            html.AppendLine(MetricsTable(b.Metrics, a.Metrics, correctionName));
            html.Append(Image(ConfusionMatrix(a))).Append(Image(ClassDistribution(a)));
            html.Append(Image(Reliability(b.Reliability, "Reliability before correction (none)")));
            html.AppendLine(Image(Reliability(a.Reliability, $"Reliability after correction ({correctionName})")));
        }

        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static string CorrectionName(LogitCorrection correction) => correction switch
    {
        LogitCorrection.Prior => "prior",
        LogitCorrection.Temperature => "temperature",
        LogitCorrection.PriorAndTemperature => "prior+temperature",
        _ => "none",
    };

    private static string MetricsTable(MetricSummary before, MetricSummary after, string correction)
    {
        (string Name, Func<MetricSummary, double?> Value)[] metrics =
        [
            ("accuracy", m => m.Accuracy), ("balanced_accuracy", m => m.BalancedAccuracy), ("macro_f1", m => m.MacroF1), ("qwk", m => m.Qwk),
            ("mae", m => m.Mae), ("nll", m => m.Nll), ("brier", m => m.Brier), ("ece", m => m.Ece),
        ];
        var table = new StringBuilder("<table><tr><th>metric</th><th>none</th>");
        table.Append(CultureInfo.InvariantCulture, $"<th>{Encode(correction)}</th></tr>");
        foreach (var (name, value) in metrics)
        {
            table.Append(CultureInfo.InvariantCulture, $"<tr><th>{name}</th><td>{Format(value(before))}</td><td>{Format(value(after))}</td></tr>");
        }

        return table.Append("</table>").ToString();
    }

    private static Plot ConfusionMatrix(HeadEvaluation head)
    {
        int k = head.ClassCount;
        var values = new double[k, k];
        for (int t = 0; t < k; t++)
        {
            for (int p = 0; p < k; p++)
            {
                values[t, p] = head.ConfusionMatrix[t][p];
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        for (int t = 0; t < k; t++)
        {
            for (int p = 0; p < k; p++)
            {
                var text = plot.Add.Text(values[t, p].ToString(CultureInfo.InvariantCulture), p, k - 1 - t);
                text.LabelFontColor = Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
            }
        }

        plot.Axes.Bottom.TickGenerator = ClassTicks(k, c => c);
        plot.Axes.Left.TickGenerator = ClassTicks(k, c => k - 1 - c);
        plot.Title($"Confusion matrix: {head.Name}");
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        return plot;
    }

    private static Plot ClassDistribution(HeadEvaluation head)
    {
        int k = head.ClassCount;
        var plot = new Plot();
        var bars = new List<Bar>();
        for (int c = 0; c < k; c++)
        {
            double actual = head.ConfusionMatrix[c].Sum();
            double predicted = head.ConfusionMatrix.Sum(row => row[c]);
            bars.Add(new Bar { Position = c - 0.2, Value = actual, Size = 0.4, FillColor = Colors.SteelBlue });
            bars.Add(new Bar { Position = c + 0.2, Value = predicted, Size = 0.4, FillColor = Colors.Orange });
        }

        plot.Add.Bars(bars);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "true", FillColor = Colors.SteelBlue });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "predicted", FillColor = Colors.Orange });
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Margins(bottom: 0, top: 0.2);
        plot.Axes.Bottom.TickGenerator = ClassTicks(k, c => c);
        plot.Title($"Class distribution: {head.Name}");
        plot.XLabel("class");
        plot.YLabel("rows");
        return plot;
    }

    private static Plot Reliability(IReadOnlyList<ReliabilityBin> bins, string title)
    {
        var plot = new Plot();
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
        var used = bins.Where(b => b.Count > 0 && b.MeanConfidence is not null && b.Accuracy is not null).ToArray();
        if (used.Length > 0)
        {
            var curve = plot.Add.Scatter(used.Select(b => b.MeanConfidence!.Value).ToArray(), used.Select(b => b.Accuracy!.Value).ToArray());
            curve.LegendText = "observed";
        }

        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title(title);
        plot.XLabel("mean confidence");
        plot.YLabel("accuracy");
        return plot;
    }

    /// <summary>One tick per class index, at the position <paramref name="position"/> gives it.</summary>
    private static ScottPlot.TickGenerators.NumericManual ClassTicks(int k, Func<int, int> position) => new(
        Enumerable.Range(0, k).Select(c => (double)position(c)).ToArray(),
        Enumerable.Range(0, k).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray());

    private static string Image(Plot plot)
    {
        byte[] png = plot.GetImageBytes(560, 420, ImageFormat.Png);
        return $"<img alt=\"chart\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">";
    }

    private static string Format(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "n/a";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
