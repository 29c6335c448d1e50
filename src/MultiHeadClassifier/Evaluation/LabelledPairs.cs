using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// The rows of one head that have a label (label ≠ −1), with their labels, predictions and original row
/// indices, after validation. Rows with a missing label are left out of every metric.
/// </summary>
internal sealed class LabelledPairs
{
    private LabelledPairs(int[] truth, int[] predicted, int[] rows, int classCount)
    {
        Truth = truth;
        Predicted = predicted;
        Rows = rows;
        ClassCount = classCount;
    }

    /// <summary>Labels of the labelled rows, each in 0..K−1.</summary>
    public int[] Truth { get; }

    /// <summary>Predictions for the labelled rows, each in 0..K−1.</summary>
    public int[] Predicted { get; }

    /// <summary>Original row index of each labelled row.</summary>
    public int[] Rows { get; }

    /// <summary>K, the head's class count.</summary>
    public int ClassCount { get; }

    /// <summary>Number of labelled rows.</summary>
    public int Count => Truth.Length;

    /// <summary>Validates labels and predictions and keeps the labelled rows.</summary>
    public static LabelledPairs Create(int[] labels, int[] predictions, int classCount, string? head = null)
    {
        ArrayChecks.RequireClassCount(classCount, nameof(classCount));
        ArgumentNullException.ThrowIfNull(labels);
        ArrayChecks.RequireLabels(labels, labels.Length, classCount, nameof(labels), head);
        ArrayChecks.RequirePredictions(predictions, labels.Length, classCount, nameof(predictions), head);
        return Keep(labels, predictions, classCount);
    }

    /// <summary>Validates labels only (for metrics computed from probabilities) and keeps the labelled rows.</summary>
    public static LabelledPairs CreateFromLabels(int[] labels, int rows, int classCount, string? head = null)
    {
        ArrayChecks.RequireLabels(labels, rows, classCount, nameof(labels), head);
        return Keep(labels, new int[labels.Length], classCount);
    }

    /// <summary>K × K counts: [true, predicted].</summary>
    public long[,] Confusion()
    {
        var counts = new long[ClassCount, ClassCount];
        for (int i = 0; i < Count; i++)
        {
            counts[Truth[i], Predicted[i]]++;
        }

        return counts;
    }

    private static LabelledPairs Keep(int[] labels, int[] predictions, int classCount)
    {
        var truth = new List<int>();
        var predicted = new List<int>();
        var rows = new List<int>();
        for (int r = 0; r < labels.Length; r++)
        {
            if (labels[r] >= 0)
            {
                truth.Add(labels[r]);
                predicted.Add(predictions[r]);
                rows.Add(r);
            }
        }

        return new LabelledPairs([.. truth], [.. predicted], [.. rows], classCount);
    }
}
