namespace MultiHeadClassifier.Decisions;

/// <summary>
/// Predicts the smallest class whose cumulative probability reaches half the row's total. Use
/// <see cref="DecisionRule.Median"/>.
/// </summary>
/// <remarks>
/// The comparison allows a relative slack of 1e-12 so that a row like [0.5, 0.5], whose cumulative sum may
/// land a rounding error below one half, still picks class 0 (both classes minimise the expected absolute
/// error then).
/// </remarks>
internal sealed record OrdinalMedianDecisionRule : DecisionRule
{
    /// <inheritdoc />
    public override string Name => "median";

    private const double Slack = 1e-12;

    private protected override int DecideRow(ReadOnlySpan<double> probabilities)
    {
        double total = 0;
        foreach (double p in probabilities)
        {
            total += p;
        }

        double half = total * (0.5 - Slack);
        double cumulative = 0;
        for (int c = 0; c < probabilities.Length; c++)
        {
            cumulative += probabilities[c];
            if (cumulative >= half)
            {
                return c;
            }
        }

        return probabilities.Length - 1;
    }
}
