using System.Globalization;
using System.Text;

namespace MultiHeadClassifier.Evaluation;

/// <summary>Formats an <see cref="EvaluationReport"/> as a fixed-width text table.</summary>
internal static class EvaluationReportTable
{
    private const int ColumnWidth = 9;
    private const string Undefined = "-";

    private static readonly string[] Columns = ["acc", "bal_acc", "macro_f1", "qwk", "mae", "nll", "brier", "ece", "amae", "rmse", "cw_ece", "ada_ece", "n"];

    internal static string Write(EvaluationReport report)
    {
        int nameWidth = "mean".Length;
        foreach (string name in report.Heads.Keys)
        {
            nameWidth = Math.Max(nameWidth, name.Length);
        }

        var text = new StringBuilder();
        var header = new List<string>(Columns);
        AppendRow(text, "head", nameWidth, header);
        text.Append(new string('-', nameWidth + (Columns.Length * (ColumnWidth + 1)))).Append('\n');
        foreach (HeadEvaluation head in report.Heads.Values)
        {
            AppendRow(text, head.Name, nameWidth, Cells(head.Metrics, head.LabelledCount.ToString(CultureInfo.InvariantCulture)));
        }

        AppendRow(text, "mean", nameWidth, Cells(report.Mean, Undefined));
        return text.ToString();
    }

    private static List<string> Cells(MetricSummary m, string n) =>
    [
        Number(m.Accuracy), Number(m.BalancedAccuracy), Number(m.MacroF1), Number(m.Qwk),
        Number(m.Mae), Number(m.Nll), Number(m.Brier), Number(m.Ece),
        Number(m.Amae), Number(m.Rmse), Number(m.ClasswiseEce), Number(m.AdaptiveEce), n,
    ];

    private static string Number(double? value) =>
        value is double v && double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : Undefined;

    private static void AppendRow(StringBuilder text, string name, int nameWidth, List<string> cells)
    {
        text.Append(name.PadRight(nameWidth));
        foreach (string cell in cells)
        {
            text.Append(' ').Append(cell.PadLeft(ColumnWidth));
        }

        text.Append('\n');
    }
}
