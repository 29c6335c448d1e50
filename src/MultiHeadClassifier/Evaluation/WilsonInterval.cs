namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// The Wilson score interval for a binomial proportion (Wilson, 1927), as scipy's
/// <c>binomtest(k, n).proportion_ci(method='wilson')</c> and statsmodels' <c>proportion_confint(method='wilson')</c>
/// compute it. Unlike the normal approximation p̂ ± z·√(p̂(1 − p̂)/n) it stays inside [0, 1] and does not collapse
/// to a point when p̂ is 0 or 1, which is what a reliability bin of a few rows needs. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// With p̂ = k / n and z the standard normal quantile: centre = (p̂ + z²/(2n)) / (1 + z²/n), half-width =
/// z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/(4n²)); the interval is centre ± half-width, clipped to [0, 1].
/// </remarks>
public static class WilsonInterval
{
    /// <summary>z for a two-sided 95% interval: the 0.975 quantile of the standard normal, 1.959963984540054.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The interval around an observed proportion.</summary>
    /// <param name="proportion">p̂ = successes / trials, in [0, 1].</param>
    /// <param name="trials">n, at least 1.</param>
    /// <param name="z">The normal quantile. Default <see cref="Z95"/> (a 95% interval).</param>
    /// <returns>The lower and upper ends, 0 ≤ lower ≤ p̂ ≤ upper ≤ 1.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="proportion"/> is outside [0, 1] or NaN, <paramref name="trials"/> is below 1, or
    /// <paramref name="z"/> is not positive and finite.
    /// </exception>
    public static (double Lower, double Upper) Compute(double proportion, int trials, double z = Z95)
    {
        if (!(proportion is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(proportion), proportion, "the proportion must be in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        if (!double.IsFinite(z) || z <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, "z must be positive and finite.");
        }

        double n = trials;
        double z2 = z * z;
        double denominator = 1 + (z2 / n);
        double centre = (proportion + (z2 / (2 * n))) / denominator;
        double half = z / denominator * Math.Sqrt((proportion * (1 - proportion) / n) + (z2 / (4 * n * n)));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
