using System.Globalization;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Cli.Reporting;

/// <summary>Writes <c>history.csv</c>: epoch, train_loss, valid_loss, train_loss_&lt;head&gt;, valid_loss_&lt;head&gt; per head, learning_rate, seconds.</summary>
public static class HistoryCsv
{
    /// <summary>Writes the history; validation cells are empty without validation data.</summary>
    /// <param name="path">The file.</param>
    /// <param name="history">The history.</param>
    /// <param name="heads">Head names in model order.</param>
    /// <remarks>The format is <see cref="CsvOutput"/>'s; the epoch is an integer and every other number has the invariant culture's round-trip (<c>"R"</c>) text.</remarks>
    public static void Write(string path, TrainingHistory history, IReadOnlyList<string> heads) =>
        CsvOutput.Write(path, history.Epochs.Select(e => Row(e, heads)).Prepend(Header(heads)));

    private static IEnumerable<string> Header(IReadOnlyList<string> heads)
    {
        yield return "epoch";
        yield return "train_loss";
        yield return "valid_loss";
        foreach (string head in heads)
        {
            yield return "train_loss_" + head;
            yield return "valid_loss_" + head;
        }

        yield return "learning_rate";
        yield return "seconds";
    }

    private static IEnumerable<string> Row(EpochSummary e, IReadOnlyList<string> heads)
    {
        yield return e.Epoch.ToString(CultureInfo.InvariantCulture);
        yield return Number(e.TrainLoss);
        yield return Number(e.ValidationLoss);
        foreach (string head in heads)
        {
            yield return Number(e.TrainHeadLosses.TryGetValue(head, out double t) ? t : null);
            yield return Number(e.ValidationHeadLosses is { } v && v.TryGetValue(head, out double x) ? x : null);
        }

        yield return Number(e.LearningRate);
        yield return Number(e.Duration.TotalSeconds);
    }

    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;
}
