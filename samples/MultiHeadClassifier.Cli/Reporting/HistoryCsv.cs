using System.Globalization;
using System.Text;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Cli.Reporting;

/// <summary>Writes <c>history.csv</c>: epoch, train_loss, valid_loss, train_loss_&lt;head&gt;, valid_loss_&lt;head&gt; per head, learning_rate, seconds.</summary>
public static class HistoryCsv
{
    /// <summary>Writes the history; validation cells are empty without validation data.</summary>
    /// <param name="path">The file.</param>
    /// <param name="history">The history.</param>
    /// <param name="heads">Head names in model order.</param>
    public static void Write(string path, TrainingHistory history, IReadOnlyList<string> heads)
    {
        var text = new StringBuilder();
        var columns = new List<string> { "epoch", "train_loss", "valid_loss" };
        foreach (string head in heads)
        {
            columns.Add("train_loss_" + head);
            columns.Add("valid_loss_" + head);
        }

        columns.Add("learning_rate");
        columns.Add("seconds");
        text.AppendLine(string.Join(",", columns.Select(Quote)));
        foreach (var e in history.Epochs)
        {
            var cells = new List<string> { e.Epoch.ToString(CultureInfo.InvariantCulture), Number(e.TrainLoss), Number(e.ValidationLoss) };
            foreach (string head in heads)
            {
                cells.Add(Number(e.TrainHeadLosses.TryGetValue(head, out double t) ? t : null));
                cells.Add(Number(e.ValidationHeadLosses is { } v && v.TryGetValue(head, out double x) ? x : null));
            }

            cells.Add(Number(e.LearningRate));
            cells.Add(Number(e.Duration.TotalSeconds));
            text.AppendLine(string.Join(",", cells));
        }

        File.WriteAllText(path, text.ToString());
    }

    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    private static string Quote(string name) =>
        name.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : name;
}
