namespace MultiHeadClassifier.Decisions;

/// <summary>
/// Predicts round(Σ c·p_c / Σ p_c), midpoints rounded up, clamped to 0..K−1. Use
/// <see cref="DecisionRule.ExpectedValue"/>.
/// </summary>
internal sealed record ExpectedValueDecisionRule : DecisionRule
{
    /// <inheritdoc />
    public override string Name => "expected-value";

    /// <summary>The expected class Σ c·p_c / Σ p_c of one row.</summary>
    internal static double Expected(ReadOnlySpan<double> probabilities)
    {
        double total = 0;
        double weighted = 0;
        for (int c = 0; c < probabilities.Length; c++)
        {
            total += probabilities[c];
            weighted += c * probabilities[c];
        }

        return weighted / total;
    }

    private protected override int DecideRow(ReadOnlySpan<double> probabilities)
    {
        int rounded = (int)Math.Floor(Expected(probabilities) + 0.5);
        return Math.Clamp(rounded, 0, probabilities.Length - 1);
    }
}
