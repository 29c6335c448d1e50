using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Corrections;

/// <summary>
/// Temperature correction, known in the literature as temperature scaling (Guo et al., "On Calibration of
/// Modern Neural Networks", ICML 2017): one positive scalar T
/// per head, fitted on held-out data, with corrected probabilities softmax(z / T). T &gt; 1 softens
/// over-confident heads, T &lt; 1 sharpens under-confident ones; the argmax never changes.
/// </summary>
/// <remarks>
/// Fit a temperature on validation logits after any <see cref="PriorCorrection"/>, then apply the same
/// correction and temperature to new logits. Stateless and thread-safe.
/// </remarks>
public static class TemperatureCorrection
{
    /// <summary>Smallest temperature the search considers.</summary>
    public const double MinimumTemperature = 0.01;

    /// <summary>Largest temperature the search considers.</summary>
    public const double MaximumTemperature = 100.0;

    private const int GridPoints = 81;
    private const double SearchTolerance = 1e-10;

    /// <summary>
    /// Finds the temperature T in [<see cref="MinimumTemperature"/>, <see cref="MaximumTemperature"/>] that
    /// minimises the mean negative log-likelihood of softmax(z / T) over the rows that have a label.
    /// </summary>
    /// <remarks>
    /// The search runs over ln T: a grid scan, then golden-section refinement around the best grid point. The
    /// result is compared with T = 1, and T = 1 is returned if the fitted value does not lower the NLL, so
    /// correction never makes the fit data's NLL worse.
    /// </remarks>
    /// <param name="logits">Logits of one head, rows × K; every entry finite.</param>
    /// <param name="labels">One label per row in 0..K−1, or −1 for a missing label (the row is ignored).</param>
    /// <returns>The fitted temperature, positive and finite.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// A logit is not finite, the label count differs from the row count, a label is out of range, or no row has
    /// a label (a temperature cannot be fitted without labelled data).
    /// </exception>
    public static double Fit(float[,] logits, int[] labels)
    {
        ArrayChecks.RequireFiniteLogits(logits, nameof(logits));
        ArrayChecks.RequireLabels(labels, logits.GetLength(0), logits.GetLength(1), nameof(labels));
        var (z, y) = LabelledRows(logits, labels);
        return FitBy(t => MeanNll(z, y, t));
    }

    /// <summary>
    /// The temperature in [<see cref="MinimumTemperature"/>, <see cref="MaximumTemperature"/>] minimising
    /// <paramref name="meanNll"/>: a grid over ln T, then golden-section refinement between the best grid point's
    /// neighbours; T = 1 unless the fit lowers the NLL. Shared by every head kind.
    /// </summary>
    internal static double FitBy(Func<double, double> meanNll)
    {
        double Nll(double logT) => meanNll(Math.Exp(logT));
        double lo = Math.Log(MinimumTemperature);
        double hi = Math.Log(MaximumTemperature);
        double step = (hi - lo) / (GridPoints - 1);
        double bestLogT = lo;
        double bestValue = double.PositiveInfinity;
        for (int i = 0; i < GridPoints; i++)
        {
            double value = Nll(lo + (i * step));
            if (value < bestValue)
            {
                (bestValue, bestLogT) = (value, lo + (i * step));
            }
        }

        double refined = GoldenSection(Nll, Math.Max(lo, bestLogT - step), Math.Min(hi, bestLogT + step));
        double refinedValue = Nll(refined);
        if (refinedValue < bestValue)
        {
            (bestValue, bestLogT) = (refinedValue, refined);
        }

        return bestValue < meanNll(1.0) ? Math.Clamp(Math.Exp(bestLogT), MinimumTemperature, MaximumTemperature) : 1.0;
    }

    /// <summary>
    /// The search bound a fitted temperature sits on (within 10⁻⁶ in ln T, the refinement's reach), or null when it
    /// lies inside the range.
    /// </summary>
    internal static double? AtBound(double temperature)
    {
        const double Reach = 1e-6;
        if (Math.Abs(Math.Log(temperature) - Math.Log(MinimumTemperature)) < Reach)
        {
            return MinimumTemperature;
        }

        return Math.Abs(Math.Log(temperature) - Math.Log(MaximumTemperature)) < Reach ? MaximumTemperature : null;
    }

    /// <summary>The logits (as doubles) and labels of the rows that have a label.</summary>
    /// <exception cref="ArgumentException">No row has a label.</exception>
    private static (double[,] Logits, int[] Labels) LabelledRows(float[,] logits, int[] labels)
    {
        int k = logits.GetLength(1);
        int[] labelled = [.. Enumerable.Range(0, logits.GetLength(0)).Where(r => labels[r] >= 0)];
        if (labelled.Length == 0)
        {
            throw new ArgumentException(
                "no row has a label (all are -1), so there is nothing to fit a temperature on; "
                + "fit on held-out data with labels for this head.",
                nameof(labels));
        }

        var z = new double[labelled.Length, k];
        var y = new int[labelled.Length];
        for (int i = 0; i < labelled.Length; i++)
        {
            y[i] = labels[labelled[i]];
            for (int c = 0; c < k; c++)
            {
                z[i, c] = logits[labelled[i], c];
            }
        }

        return (z, y);
    }

    /// <summary>Divides every logit by <paramref name="temperature"/>.</summary>
    /// <param name="logits">Logits of one head, rows × K; every entry finite.</param>
    /// <param name="temperature">The temperature; positive and finite.</param>
    /// <returns>A new matrix z / T, same shape as <paramref name="logits"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is zero, negative, NaN or infinite.</exception>
    /// <exception cref="ArgumentException">A logit is not finite.</exception>
    public static float[,] Apply(float[,] logits, double temperature)
    {
        if (!double.IsFinite(temperature) || temperature <= 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(temperature), temperature, "the temperature must be positive and finite.");
        }

        ArrayChecks.RequireFiniteLogits(logits, nameof(logits));
        int rows = logits.GetLength(0);
        int k = logits.GetLength(1);
        var result = new float[rows, k];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < k; c++)
            {
                result[r, c] = (float)(logits[r, c] / temperature);
            }
        }

        return result;
    }

    /// <summary>Mean of logsumexp(z / T) − z_y / T over the rows.</summary>
    internal static double MeanNll(double[,] z, int[] y, double temperature)
    {
        int rows = z.GetLength(0);
        int k = z.GetLength(1);
        double inverse = 1.0 / temperature;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < k; c++)
            {
                max = Math.Max(max, z[r, c] * inverse);
            }

            double sum = 0;
            for (int c = 0; c < k; c++)
            {
                sum += Math.Exp((z[r, c] * inverse) - max);
            }

            total += max + Math.Log(sum) - (z[r, y[r]] * inverse);
        }

        return total / rows;
    }

    private static double GoldenSection(Func<double, double> f, double a, double b)
    {
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double c = b - (ratio * (b - a));
        double d = a + (ratio * (b - a));
        double fc = f(c);
        double fd = f(d);
        while (b - a > SearchTolerance)
        {
            if (fc <= fd)
            {
                b = d;
                d = c;
                fd = fc;
                c = b - (ratio * (b - a));
                fc = f(c);
            }
            else
            {
                a = c;
                c = d;
                fc = fd;
                d = a + (ratio * (b - a));
                fd = f(d);
            }
        }

        return (a + b) / 2;
    }
}
