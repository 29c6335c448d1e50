using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Corrections;

/// <summary>
/// Numerically stable softmax, log-softmax and argmax over a matrix of logits (rows × classes), computed in
/// double precision. Stateless and thread-safe.
/// </summary>
internal static class LogitMath
{
    /// <summary>
    /// Converts logits to probabilities, row by row: p_c = exp(z_c − m) / Σ_j exp(z_j − m) with m the row's
    /// maximum, so no exponent overflows.
    /// </summary>
    /// <param name="logits">Logits, rows × classes; every entry finite.</param>
    /// <returns>A new matrix of the same shape whose rows sum to 1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> has no columns or a non-finite entry.</exception>
    public static double[,] Softmax(float[,] logits)
    {
        ArrayChecks.RequireFiniteLogits(logits, nameof(logits));
        int rows = logits.GetLength(0);
        int cols = logits.GetLength(1);
        var result = new double[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            double max = RowMax(logits, r);

            double sum = 0;
            for (int c = 0; c < cols; c++)
            {
                double e = Math.Exp(logits[r, c] - max);
                result[r, c] = e;
                sum += e;
            }

            for (int c = 0; c < cols; c++)
            {
                result[r, c] /= sum;
            }
        }

        return result;
    }

    /// <summary>
    /// Log-probabilities, row by row: ln p_c = z_c − m − ln Σ_j exp(z_j − m) with m the row's maximum.
    /// </summary>
    /// <param name="logits">Logits, rows × classes; every entry finite.</param>
    /// <returns>A new matrix of the same shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> has no columns or a non-finite entry.</exception>
    public static double[,] LogSoftmax(float[,] logits)
    {
        ArrayChecks.RequireFiniteLogits(logits, nameof(logits));
        int rows = logits.GetLength(0);
        int cols = logits.GetLength(1);
        var result = new double[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            double max = RowMax(logits, r);

            double sum = 0;
            for (int c = 0; c < cols; c++)
            {
                sum += Math.Exp(logits[r, c] - max);
            }

            double logSum = max + Math.Log(sum);
            for (int c = 0; c < cols; c++)
            {
                result[r, c] = logits[r, c] - logSum;
            }
        }

        return result;
    }

    /// <summary>The index of each row's largest logit; ties go to the lowest index.</summary>
    /// <param name="logits">Logits, rows × classes; every entry finite.</param>
    /// <returns>One class index per row.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> has no columns or a non-finite entry.</exception>
    public static int[] Argmax(float[,] logits)
    {
        ArrayChecks.RequireFiniteLogits(logits, nameof(logits));
        int rows = logits.GetLength(0);
        int cols = logits.GetLength(1);
        var result = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int c = 1; c < cols; c++)
            {
                if (logits[r, c] > logits[r, best])
                {
                    best = c;
                }
            }

            result[r] = best;
        }

        return result;
    }

    /// <summary>The index of each row's largest value; ties go to the lowest index.</summary>
    /// <param name="values">Scores or probabilities, rows × classes; every entry finite.</param>
    /// <returns>One class index per row.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> has no columns or a non-finite entry.</exception>
    public static int[] Argmax(double[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = values.GetLength(0);
        int cols = values.GetLength(1);
        if (cols == 0)
        {
            throw new ArgumentException("values have no columns: a head needs at least one class.", nameof(values));
        }

        var result = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int c = 0; c < cols; c++)
            {
                double v = values[r, c];
                if (!double.IsFinite(v))
                {
                    throw new ArgumentException(
                        $"value at row {r}, column {c} is {ArrayChecks.Format(v)}; values must be finite.", nameof(values));
                }

                if (v > values[r, best])
                {
                    best = c;
                }
            }

            result[r] = best;
        }

        return result;
    }

    private static double RowMax(float[,] logits, int row)
    {
        double max = double.NegativeInfinity;
        for (int c = 0; c < logits.GetLength(1); c++)
        {
            max = Math.Max(max, logits[row, c]);
        }

        return max;
    }
}
