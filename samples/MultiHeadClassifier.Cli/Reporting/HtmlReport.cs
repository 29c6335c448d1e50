using System.Globalization;
using System.Net;
using System.Text;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Modeling;
using ScottPlot;

namespace MultiHeadClassifier.Cli.Reporting;

/// <summary>
/// A self-contained HTML evaluation report with ScottPlot charts inlined as base64 PNG: for one model, or for
/// several models compared side by side on the same data.
/// </summary>
/// <remarks>
/// <para>
/// Reliability diagrams show their evidence: each point is one of the 15 confidence bins, its area proportional to
/// the bin's rows, with the rows per bin also drawn as grey bars on the right axis; a whisker gives the 95% Wilson
/// interval of the bin's observed accuracy; bins with fewer rows than the minimum (<see cref="DefaultMinimumBinCount"/>
/// unless set) are drawn hollow, and a note under the charts says how many there are. Heads with at most
/// <see cref="MaxClassesForPerClassView"/> classes also get a per-class diagram (each class's probability against
/// how often the label is that class), before and after the correction.
/// </para>
/// <para>
/// Every number is written with four decimals ("n/a" when undefined) in a cell that carries
/// <c>data-metric</c> (the JSON key) and <c>data-column</c> (<c>before</c>/<c>after</c>, or the model's index in a
/// comparison), so a reader or a test can match the page with the JSON. In a comparison the best value of each row
/// (highest for accuracy, balanced_accuracy, macro_f1 and qwk; lowest for the errors, losses and calibration
/// errors) is bold and marked "best"; ties are all marked.
/// </para>
/// </remarks>
public static class HtmlReport
{
    /// <summary>Bins with fewer rows than this are drawn hollow: 10.</summary>
    public const int DefaultMinimumBinCount = 10;

    /// <summary>The largest class count for which a head gets a per-class reliability diagram: 10.</summary>
    public const int MaxClassesForPerClassView = 10;

    /// <summary>The report's metrics: JSON key, value, and whether a higher value is better.</summary>
    private static readonly (string Key, Func<MetricSummary, double?> Value, bool HigherIsBetter)[] Metrics =
    [
        ("accuracy", m => m.Accuracy, true), ("balanced_accuracy", m => m.BalancedAccuracy, true),
        ("macro_f1", m => m.MacroF1, true), ("qwk", m => m.Qwk, true), ("mae", m => m.Mae, false),
        ("nll", m => m.Nll, false), ("brier", m => m.Brier, false), ("ece", m => m.Ece, false),
        ("amae", m => m.Amae, false), ("rmse", m => m.Rmse, false), ("classwise_ece", m => m.ClasswiseEce, false),
        ("adaptive_ece", m => m.AdaptiveEce, false),
    ];

    private static readonly Color[] ClassColors =
    [
        Colors.SteelBlue, Colors.DarkOrange, Colors.ForestGreen, Colors.Crimson, Colors.MediumPurple,
        Colors.SaddleBrown, Colors.HotPink, Colors.Gray, Colors.Olive, Colors.DarkTurquoise,
    ];

    /// <summary>Builds the report of one model.</summary>
    /// <param name="model">The model (for head definitions).</param>
    /// <param name="before">The evaluation without correction.</param>
    /// <param name="after">The evaluation with the chosen correction (the same object as <paramref name="before"/> for none).</param>
    /// <param name="correction">The chosen correction.</param>
    /// <param name="decision">The decision rule's name.</param>
    /// <param name="dataName">The data file name.</param>
    /// <param name="minimumBinCount">Bins with fewer rows are drawn hollow. Default <see cref="DefaultMinimumBinCount"/>.</param>
    /// <returns>The HTML text.</returns>
    public static string Build(MultiHeadModel model, EvaluationReport before, EvaluationReport after, LogitCorrection correction, string decision, string dataName, int minimumBinCount = DefaultMinimumBinCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        string correctionName = CorrectionName(correction);
        var html = new StringBuilder();
        Header(html, $"Evaluation of {dataName}", correctionName, decision);
        html.AppendLine("<section id=\"mean\"><h2>Mean over heads</h2>").AppendLine(BeforeAfterTable(before.Mean, after.Mean, correctionName, "mean")).AppendLine("</section>");
        foreach (var head in model.Heads)
        {
            var a = after.Heads[head.Name];
            html.AppendLine(CultureInfo.InvariantCulture, $"<section class=\"head\" data-head=\"{Encode(head.Name)}\">");
            html.AppendLine(CultureInfo.InvariantCulture, $"<h2>Head {Encode(head.Name)} (K={head.ClassCount}, labelled {a.LabelledCount}, missing {a.MissingCount})</h2>");
            html.AppendLine(BeforeAfterTable(before.Heads[head.Name].Metrics, a.Metrics, correctionName, head.Name));
            Charts(html, before.Heads[head.Name], a, correctionName, minimumBinCount);
            html.AppendLine("</section>");
        }

        html.AppendLine("</body></html>");
        return html.ToString();
    }

    /// <summary>
    /// Builds a report that compares several models evaluated on the same data: the mean and each head's metrics
    /// side by side (after the correction) with the best value marked, then each model's charts.
    /// </summary>
    /// <param name="models">The models, in column order; every one has the heads of the first.</param>
    /// <param name="correction">The correction applied to every model.</param>
    /// <param name="decision">The decision rule's name.</param>
    /// <param name="dataName">The data file name.</param>
    /// <param name="minimumBinCount">Bins with fewer rows are drawn hollow. Default <see cref="DefaultMinimumBinCount"/>.</param>
    /// <returns>The HTML text.</returns>
    /// <exception cref="ArgumentException">No models are given.</exception>
    public static string BuildComparison(IReadOnlyList<ComparedModel> models, LogitCorrection correction, string decision, string dataName, int minimumBinCount = DefaultMinimumBinCount)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("At least one model is needed.", nameof(models));
        }

        string correctionName = CorrectionName(correction);
        var html = new StringBuilder();
        Header(html, $"Comparison of {models.Count} models on {dataName}", correctionName, decision);
        html.AppendLine("<ol class=\"models\">");
        foreach (var m in models)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<li>{Encode(m.Name)}</li>");
        }

        html.AppendLine("</ol><p class=\"note\">Each table compares the models after the correction; the best value of each row is <b>bold</b> and marked “best” (highest for accuracy, balanced_accuracy, macro_f1 and qwk, lowest for the others).</p>");
        html.AppendLine("<section id=\"mean\"><h2>Mean over heads</h2>").AppendLine(ComparisonTable(models, m => m.After.Mean, "mean")).AppendLine("</section>");
        foreach (var head in models[0].Model.Heads)
        {
            var first = models[0].After.Heads[head.Name];
            html.AppendLine(CultureInfo.InvariantCulture, $"<section class=\"head\" data-head=\"{Encode(head.Name)}\">");
            html.AppendLine(CultureInfo.InvariantCulture, $"<h2>Head {Encode(head.Name)} (K={head.ClassCount}, labelled {first.LabelledCount}, missing {first.MissingCount})</h2>");
            html.AppendLine(ComparisonTable(models, m => m.After.Heads[head.Name].Metrics, head.Name));
            for (int i = 0; i < models.Count; i++)
            {
                html.AppendLine(CultureInfo.InvariantCulture, $"<h3>{Encode(models[i].Name)}</h3>");
                Charts(html, models[i].Before.Heads[head.Name], models[i].After.Heads[head.Name], correctionName, minimumBinCount);
            }

            html.AppendLine("</section>");
        }

        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static void Header(StringBuilder html, string title, string correctionName, string decision)
    {
        html.AppendLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>mhc evaluation</title><style>")
            .AppendLine("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
            .AppendLine("img{max-width:48%;margin:4px;vertical-align:top}td.best{font-weight:bold;background:#e8f4e8}.mark{color:#2e7d32;font-size:80%;margin-left:.4em}.note{color:#444;max-width:70em}")
            .AppendLine("</style></head><body>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<h1>{Encode(title)}</h1><p>Correction: {Encode(correctionName)}; decision rule: {Encode(decision)}.</p>");
    }

    /// <summary>One head's charts: confusion matrix, class distribution, reliability and per-class reliability, before and after.</summary>
    private static void Charts(StringBuilder html, HeadEvaluation before, HeadEvaluation after, string correctionName, int minimumBinCount)
    {
        html.Append(Image(ConfusionMatrix(after), $"Confusion matrix of {after.Name}"))
            .AppendLine(Image(ClassDistribution(after), $"Class distribution of {after.Name}"));
        html.Append(Image(Reliability(before.Reliability, $"Reliability before correction (none), ECE {Format(before.Metrics.Ece)}", minimumBinCount), $"Reliability of {after.Name} before correction"))
            .AppendLine(Image(Reliability(after.Reliability, $"Reliability after correction ({correctionName}), ECE {Format(after.Metrics.Ece)}", minimumBinCount), $"Reliability of {after.Name} after correction"));
        if (after.ClassCount <= MaxClassesForPerClassView && after.ClassReliability.Count == after.ClassCount && before.ClassReliability.Count == before.ClassCount)
        {
            html.Append(Image(ClassReliability(before.ClassReliability, $"Per-class reliability before correction (none), class-wise ECE {Format(before.Metrics.ClasswiseEce)}", minimumBinCount), $"Per-class reliability of {after.Name} before correction"))
                .AppendLine(Image(ClassReliability(after.ClassReliability, $"Per-class reliability after correction ({correctionName}), class-wise ECE {Format(after.Metrics.ClasswiseEce)}", minimumBinCount), $"Per-class reliability of {after.Name} after correction"));
        }

        int nonEmpty = after.Reliability.Count(b => b.Count > 0);
        int thin = after.Reliability.Count(b => b.Count > 0 && b.Count < minimumBinCount);
        string perClass = after.ClassCount <= MaxClassesForPerClassView
            ? " The per-class diagrams plot, for each class, its mean probability in a bin against the fraction of the bin's rows labelled with that class."
            : string.Create(CultureInfo.InvariantCulture, $" No per-class diagram: this head has {after.ClassCount} classes, more than {MaxClassesForPerClassView}.");
        html.AppendLine(CultureInfo.InvariantCulture, $"<p class=\"note\">Reliability: each point is a confidence bin, its area proportional to the bin's rows (the grey bars count them on the right axis); whiskers are 95% Wilson intervals of the observed accuracy. Bins with fewer than {minimumBinCount} rows are hollow: their accuracy rests on too few rows to read. After correction, {thin} of {nonEmpty} non-empty bins have fewer than {minimumBinCount} rows.{perClass}</p>");
    }

    private static string CorrectionName(LogitCorrection correction) => correction switch
    {
        LogitCorrection.Prior => "prior",
        LogitCorrection.Temperature => "temperature",
        LogitCorrection.PriorAndTemperature => "prior+temperature",
        _ => "none",
    };

    private static string BeforeAfterTable(MetricSummary before, MetricSummary after, string correction, string scope)
    {
        var table = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<table class=\"metrics\" data-scope=\"{Encode(scope)}\"><tr><th>metric</th><th>none</th>");
        table.Append(CultureInfo.InvariantCulture, $"<th>{Encode(correction)}</th></tr>");
        foreach (var (key, value, _) in Metrics)
        {
            table.Append(CultureInfo.InvariantCulture, $"<tr data-metric=\"{key}\"><th>{key}</th><td data-column=\"before\">{Format(value(before))}</td><td data-column=\"after\">{Format(value(after))}</td></tr>");
        }

        return table.Append("</table>").ToString();
    }

    private static string ComparisonTable(IReadOnlyList<ComparedModel> models, Func<ComparedModel, MetricSummary> metrics, string scope)
    {
        var table = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<table class=\"metrics comparison\" data-scope=\"{Encode(scope)}\"><tr><th>metric</th>");
        foreach (var m in models)
        {
            table.Append(CultureInfo.InvariantCulture, $"<th>{Encode(m.Name)}</th>");
        }

        table.Append("</tr>");
        foreach (var (key, value, higherIsBetter) in Metrics)
        {
            double?[] values = [.. models.Select(m => value(metrics(m)))];
            double? best = Best(values, higherIsBetter);
            table.Append(CultureInfo.InvariantCulture, $"<tr data-metric=\"{key}\"><th>{key}</th>");
            for (int i = 0; i < values.Length; i++)
            {
                // Values are compared as shown, so two models that print the same number are both marked.
                bool isBest = models.Count > 1 && best is not null && Format(values[i]) == Format(best);
                string mark = isBest ? "<span class=\"mark\">best</span>" : string.Empty;
                table.Append(CultureInfo.InvariantCulture, $"<td data-column=\"{i}\"{(isBest ? " class=\"best\"" : string.Empty)}><span class=\"value\">{Format(values[i])}</span>{mark}</td>");
            }

            table.Append("</tr>");
        }

        return table.Append("</table>").ToString();
    }

    private static double? Best(double?[] values, bool higherIsBetter)
    {
        double[] defined = [.. values.Where(v => v is double d && double.IsFinite(d)).Select(v => v!.Value)];
        return defined.Length == 0 ? null : higherIsBetter ? defined.Max() : defined.Min();
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

    /// <summary>
    /// A top-label reliability diagram: the diagonal, the rows per bin as grey bars on the right axis, and per
    /// non-empty bin a point sized by its rows (hollow under the minimum) with its Wilson interval.
    /// </summary>
    private static Plot Reliability(IReadOnlyList<ReliabilityBin> bins, string title, int minimumBinCount)
    {
        var plot = ReliabilityAxes(title, "accuracy");
        int largest = Math.Max(1, bins.Max(b => b.Count));
        var counts = new List<Bar>();
        foreach (var bin in bins.Where(b => b.Count > 0))
        {
            counts.Add(new Bar
            {
                Position = (bin.Lower + bin.Upper) / 2,
                Value = bin.Count,
                Size = (bin.Upper - bin.Lower) * 0.9,
                FillColor = Colors.LightGray.WithAlpha(0.6),
                LineWidth = 0,
            });
        }

        if (counts.Count > 0)
        {
            var histogram = plot.Add.Bars(counts);
            histogram.Axes.YAxis = plot.Axes.Right;
        }

        plot.Axes.SetLimitsY(0, largest * 3.0, plot.Axes.Right);
        plot.Axes.Right.Label.Text = "rows per bin";
        AddBins(plot, bins, largest, minimumBinCount, Colors.SteelBlue);
        Legend(plot, Colors.SteelBlue, minimumBinCount);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "rows per bin (right axis)", FillColor = Colors.LightGray });
        return plot;
    }

    /// <summary>A per-class reliability diagram: one colour per class, points sized by rows and hollow under the minimum.</summary>
    private static Plot ClassReliability(IReadOnlyList<IReadOnlyList<ReliabilityBin>> classBins, string title, int minimumBinCount)
    {
        var plot = ReliabilityAxes(title, "fraction labelled with the class");
        int largest = Math.Max(1, classBins.SelectMany(b => b).Max(b => b.Count));
        for (int c = 0; c < classBins.Count; c++)
        {
            Color color = ClassColors[c % ClassColors.Length];
            AddBins(plot, classBins[c], largest, minimumBinCount, color);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = string.Create(CultureInfo.InvariantCulture, $"class {c}"), MarkerShape = MarkerShape.FilledCircle, MarkerColor = color, MarkerSize = 8 });
        }

        plot.Legend.ManualItems.Add(new LegendItem { LabelText = string.Create(CultureInfo.InvariantCulture, $"hollow: < {minimumBinCount} rows"), MarkerShape = MarkerShape.OpenCircle, MarkerColor = Colors.Black, MarkerSize = 8 });
        plot.ShowLegend(Alignment.UpperLeft);
        plot.XLabel("mean probability of the class");
        return plot;
    }

    private static Plot ReliabilityAxes(string title, string yLabel)
    {
        var plot = new Plot();
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title(title, 12);
        plot.XLabel("mean confidence");
        plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>Per non-empty bin: its Wilson interval as a whisker and a marker of area ∝ rows, hollow under the minimum.</summary>
    private static void AddBins(Plot plot, IReadOnlyList<ReliabilityBin> bins, int largest, int minimumBinCount, Color color)
    {
        foreach (var bin in bins)
        {
            if (bin.Count == 0 || bin.MeanConfidence is not double x || bin.Accuracy is not double y)
            {
                continue;
            }

            if (bin.AccuracyLower is double lower && bin.AccuracyUpper is double upper)
            {
                var whisker = plot.Add.Line(x, lower, x, upper);
                whisker.Color = color.WithAlpha(0.7);
                whisker.LineWidth = 1.5f;
            }

            float size = (float)(5 + (17 * Math.Sqrt((double)bin.Count / largest)));
            var marker = plot.Add.Marker(x, y, bin.Count >= minimumBinCount ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, size, color);
            marker.MarkerLineWidth = 2;
        }
    }

    private static void Legend(Plot plot, Color color, int minimumBinCount)
    {
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "bin (area ∝ rows)", MarkerShape = MarkerShape.FilledCircle, MarkerColor = color, MarkerSize = 8 });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = string.Create(CultureInfo.InvariantCulture, $"bin with < {minimumBinCount} rows"), MarkerShape = MarkerShape.OpenCircle, MarkerColor = color, MarkerSize = 8 });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "95% Wilson interval", LineColor = color, LineWidth = 1.5f });
        plot.ShowLegend(Alignment.UpperLeft);
    }

    /// <summary>One tick per class index, at the position <paramref name="position"/> gives it.</summary>
    private static ScottPlot.TickGenerators.NumericManual ClassTicks(int k, Func<int, int> position) => new(
        Enumerable.Range(0, k).Select(c => (double)position(c)).ToArray(),
        Enumerable.Range(0, k).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray());

    private static string Image(Plot plot, string alt)
    {
        byte[] png = plot.GetImageBytes(560, 420, ImageFormat.Png);
        return $"<img alt=\"{Encode(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">";
    }

    private static string Format(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "n/a";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

/// <summary>One model of a comparison report: its name (as given on the command line) and its evaluations.</summary>
/// <param name="Name">The name shown in the column header, e.g. the model directory.</param>
/// <param name="Model">The model (for head definitions).</param>
/// <param name="Before">Its evaluation without correction.</param>
/// <param name="After">Its evaluation with the chosen correction.</param>
public sealed record ComparedModel(string Name, MultiHeadModel Model, EvaluationReport Before, EvaluationReport After);
