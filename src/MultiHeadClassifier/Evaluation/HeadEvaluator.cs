using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Computes a <see cref="HeadEvaluation"/> for one head from its labels, probabilities and predicted classes,
/// all rows at once (<see cref="HeadEvaluationAccumulator"/> takes them in chunks and gives the same result).
/// Stateless and thread-safe.
/// </summary>
/// <remarks>
/// NLL, Brier, ECE, class-wise ECE and adaptive ECE use the probabilities; accuracy, balanced accuracy, macro F1,
/// kappa, MAE, macro-averaged MAE, RMSE, per-class metrics and the confusion matrix use the predictions, which come from a <see cref="DecisionRule"/>. Rows
/// labelled −1 are left out of every metric.
/// </remarks>
public static class HeadEvaluator
{
    /// <summary>Evaluates one head.</summary>
    /// <param name="name">The head's name, used in the report and in error messages.</param>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">
    /// Class probabilities, rows × K: finite, non-negative, each row summing to 1 within 1e-3.
    /// </param>
    /// <param name="predictions">One predicted class per row in 0..K−1.</param>
    /// <param name="classCount">
    /// The head's class count, when known, to check the probabilities' column count against. Default null: K is
    /// the column count.
    /// </param>
    /// <returns>The head's evaluation.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// The name is empty, the row or column counts differ, or a label, prediction or probability is invalid; the
    /// message names the head and the row.
    /// </exception>
    public static HeadEvaluation Evaluate(
        string name, int[] labels, double[,] probabilities, int[] predictions, int? classCount = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(labels);
        RequireColumns(name, probabilities, classCount);
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities), name);
        var accumulator = new HeadEvaluationAccumulator(name, probabilities.GetLength(1));
        accumulator.Add(labels, probabilities, predictions);
        return accumulator.ToEvaluation();
    }

    /// <summary>Evaluates one head, predicting classes with <paramref name="rule"/>.</summary>
    /// <param name="name">The head's name, used in the report and in error messages.</param>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K.</param>
    /// <param name="rule">The decision rule that turns probabilities into predictions.</param>
    /// <param name="classCount">
    /// The head's class count, when known, to check the probabilities' column count against. Default null.
    /// </param>
    /// <returns>The head's evaluation.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// The name is empty, the column count differs from <paramref name="classCount"/>, or the labels or
    /// probabilities are invalid.
    /// </exception>
    public static HeadEvaluation Evaluate(
        string name, int[] labels, double[,] probabilities, DecisionRule rule, int? classCount = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        RequireColumns(name, probabilities, classCount);
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities), name);
        return Evaluate(name, labels, probabilities, rule.Decide(probabilities), classCount);
    }

    private static void RequireColumns(string name, double[,] probabilities, int? classCount)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (classCount is int k && probabilities.GetLength(1) != k)
        {
            throw new ArgumentException(
                $"head '{name}': probabilities have {probabilities.GetLength(1)} columns but the head has {k} classes.",
                nameof(probabilities));
        }
    }
}
