using System.Globalization;

namespace MultiHeadClassifier.Internal;

/// <summary>
/// Shared argument checks for the managed correction, decision and evaluation code. Every message names the
/// problem and where it is (row, column, head), so that a bad input can be found in the data.
/// </summary>
internal static class ArrayChecks
{
    /// <summary>Tolerance on a probability row's sum: |sum − 1| must not exceed this.</summary>
    internal const double ProbabilitySumTolerance = 1e-3;

    /// <summary>Formats a number for a message, independent of the current culture.</summary>
    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Prefix for messages about one head, or nothing when no head is named.</summary>
    internal static string Where(string? head) => head is null ? string.Empty : $"head '{head}': ";

    /// <summary>Rejects a logit matrix with no columns or a non-finite entry.</summary>
    internal static void RequireFiniteLogits(float[,] logits, string paramName, string? head = null)
    {
        ArgumentNullException.ThrowIfNull(logits, paramName);
        if (logits.GetLength(1) == 0)
        {
            throw new ArgumentException($"{Where(head)}logits have no columns: a head needs at least one class.", paramName);
        }

        int rows = logits.GetLength(0);
        int cols = logits.GetLength(1);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                float v = logits[r, c];
                if (!float.IsFinite(v))
                {
                    throw new ArgumentException(
                        $"{Where(head)}logit at row {r}, column {c} is {Format(v)}; logits must be finite.", paramName);
                }
            }
        }
    }

    /// <summary>
    /// Rejects a probability matrix with no columns, a non-finite or negative entry, or a row whose sum is not 1
    /// within <see cref="ProbabilitySumTolerance"/>.
    /// </summary>
    internal static void RequireProbabilities(double[,] probabilities, string paramName, string? head = null)
    {
        ArgumentNullException.ThrowIfNull(probabilities, paramName);
        int rows = probabilities.GetLength(0);
        int cols = probabilities.GetLength(1);
        if (cols == 0)
        {
            throw new ArgumentException($"{Where(head)}probabilities have no columns: a head needs at least one class.", paramName);
        }

        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < cols; c++)
            {
                double v = probabilities[r, c];
                if (!double.IsFinite(v) || v < 0)
                {
                    throw new ArgumentException(
                        $"{Where(head)}probability at row {r}, column {c} is {Format(v)}; probabilities must be finite and non-negative.",
                        paramName);
                }

                sum += v;
            }

            if (Math.Abs(sum - 1) > ProbabilitySumTolerance)
            {
                throw new ArgumentException(
                    $"{Where(head)}probabilities at row {r} sum to {Format(sum)}, not 1; pass softmax outputs, not logits.",
                    paramName);
            }
        }
    }

    /// <summary>
    /// Rejects labels whose length differs from <paramref name="rows"/> or that fall outside −1..K−1 (−1 marks a
    /// missing label).
    /// </summary>
    internal static void RequireLabels(int[] labels, int rows, int classCount, string paramName, string? head = null)
    {
        ArgumentNullException.ThrowIfNull(labels, paramName);
        if (labels.Length != rows)
        {
            throw new ArgumentException(
                $"{Where(head)}there are {labels.Length} labels but {rows} rows of scores; they must match row for row.",
                paramName);
        }

        for (int r = 0; r < labels.Length; r++)
        {
            int y = labels[r];
            if (y < -1 || y >= classCount)
            {
                throw new ArgumentException(
                    $"{Where(head)}label {y} at row {r} is outside 0..{classCount - 1} (-1 marks a missing label).",
                    paramName);
            }
        }
    }

    /// <summary>Rejects predictions whose length differs from <paramref name="rows"/> or that fall outside 0..K−1.</summary>
    internal static void RequirePredictions(int[] predictions, int rows, int classCount, string paramName, string? head = null)
    {
        ArgumentNullException.ThrowIfNull(predictions, paramName);
        if (predictions.Length != rows)
        {
            throw new ArgumentException(
                $"{Where(head)}there are {predictions.Length} predictions but {rows} labels; they must match row for row.",
                paramName);
        }

        for (int r = 0; r < predictions.Length; r++)
        {
            int p = predictions[r];
            if (p < 0 || p >= classCount)
            {
                throw new ArgumentException(
                    $"{Where(head)}prediction {p} at row {r} is outside 0..{classCount - 1}.", paramName);
            }
        }
    }

    /// <summary>Rejects a class count below one.</summary>
    internal static void RequireClassCount(int classCount, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1, paramName);
    }
}
