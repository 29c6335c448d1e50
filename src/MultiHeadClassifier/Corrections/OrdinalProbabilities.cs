using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Corrections;

/// <summary>
/// Class probabilities from the K−1 threshold outputs of a CORN or CORAL head (see <see cref="HeadLoss"/>):
/// P(y &gt; k) is Π_{j≤k} σ(z_j) for CORN and σ(z_k), made non-increasing in k by a running minimum, for CORAL;
/// then p_0 = 1 − P(y &gt; 0), p_c = P(y &gt; c−1) − P(y &gt; c), p_{K−1} = P(y &gt; K−2). Stateless and thread-safe.
/// </summary>
internal static class OrdinalProbabilities
{
    /// <summary>The smallest probability kept before taking a logarithm, so that class log-probabilities stay finite.</summary>
    public const double LogFloor = 1e-12;

    /// <summary>Rows × K class probabilities from rows × (K−1) threshold outputs divided by <paramref name="temperature"/>.</summary>
    public static double[,] Of(float[,] outputs, HeadLoss kind, double temperature = 1.0)
    {
        int rows = outputs.GetLength(0);
        int thresholds = outputs.GetLength(1);
        var result = new double[rows, thresholds + 1];
        for (int r = 0; r < rows; r++)
        {
            double above = 1.0;
            double previous = 1.0;
            for (int k = 0; k < thresholds; k++)
            {
                double s = Sigmoid(outputs[r, k] / temperature);
                above = kind == HeadLoss.Corn ? above * s : Math.Min(previous, s);
                result[r, k] = previous - above;
                previous = above;
            }

            result[r, thresholds] = previous;
        }

        return result;
    }

    /// <summary>log max(p, <see cref="LogFloor"/>) of class probabilities, as finite float logits whose softmax is p (renormalised).</summary>
    public static float[,] LogProbabilities(double[,] probabilities)
    {
        var result = new float[probabilities.GetLength(0), probabilities.GetLength(1)];
        for (int r = 0; r < result.GetLength(0); r++)
        {
            for (int c = 0; c < result.GetLength(1); c++)
            {
                result[r, c] = (float)Math.Log(Math.Max(probabilities[r, c], LogFloor));
            }
        }

        return result;
    }

    private static double Sigmoid(double z) => z >= 0 ? 1.0 / (1.0 + Math.Exp(-z)) : Math.Exp(z) / (1.0 + Math.Exp(z));
}
