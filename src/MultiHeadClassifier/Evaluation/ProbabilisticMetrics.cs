using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Proper scoring rules on a head's class probabilities: negative log-likelihood and the multi-class Brier
/// score. Labels of −1 are left out; a metric over no labelled rows is null. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// Probabilities must be rows × K with finite, non-negative entries whose rows sum to 1 within 1e-3;
/// otherwise an <see cref="ArgumentException"/> names the row.
/// </remarks>
internal static class ProbabilisticMetrics
{
    /// <summary>The clipping bound for <see cref="NegativeLogLikelihood(int[], double[,])"/>: float64 machine epsilon, 2^−52.</summary>
    public const double Epsilon = 2.220446049250313e-16;

    /// <summary>
    /// Mean of −ln p_y over labelled rows, as scikit-learn's log_loss(y_true, probabilities, labels=range(K)):
    /// each row is divided by its sum, then p_y is clipped to [ε, 1 − ε] with ε = <see cref="Epsilon"/>.
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K.</param>
    /// <returns>The mean NLL in nats, or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The probabilities or labels are invalid or their row counts differ.</exception>
    public static double? NegativeLogLikelihood(int[] labels, double[,] probabilities) =>
        NegativeLogLikelihood(Pairs(labels, probabilities), probabilities);

    /// <summary>
    /// Mean over labelled rows of Σ_c (p_c − 1[y = c])²: summed over classes, not divided by K (scikit-learn
    /// 1.7's multi-class brier_score_loss). It ranges from 0 (certain and right) to 2 (certain and wrong). For
    /// K = 2 this is twice the binary Brier score (p − y)² that scikit-learn reports for one probability column.
    /// </summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K.</param>
    /// <returns>The Brier score, or null when no row is labelled.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The probabilities or labels are invalid or their row counts differ.</exception>
    public static double? BrierScore(int[] labels, double[,] probabilities) =>
        BrierScore(Pairs(labels, probabilities), probabilities);

    internal static double? NegativeLogLikelihood(LabelledPairs pairs, double[,] probabilities)
    {
        if (pairs.Count == 0)
        {
            return null;
        }

        int k = probabilities.GetLength(1);
        double total = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            int r = pairs.Rows[i];
            double sum = 0;
            for (int c = 0; c < k; c++)
            {
                sum += probabilities[r, c];
            }

            double p = Math.Clamp(probabilities[r, pairs.Truth[i]] / sum, Epsilon, 1 - Epsilon);
            total -= Math.Log(p);
        }

        return total / pairs.Count;
    }

    internal static double? BrierScore(LabelledPairs pairs, double[,] probabilities)
    {
        if (pairs.Count == 0)
        {
            return null;
        }

        int k = probabilities.GetLength(1);
        double total = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            int r = pairs.Rows[i];
            for (int c = 0; c < k; c++)
            {
                double d = probabilities[r, c] - (c == pairs.Truth[i] ? 1.0 : 0.0);
                total += d * d;
            }
        }

        return total / pairs.Count;
    }

    private static LabelledPairs Pairs(int[] labels, double[,] probabilities)
    {
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities));
        return LabelledPairs.CreateFromLabels(labels, probabilities.GetLength(0), probabilities.GetLength(1));
    }
}
