namespace MultiHeadClassifier.Decisions;

/// <summary>Predicts the most probable class; ties go to the lowest index. Use <see cref="DecisionRule.Argmax"/>.</summary>
internal sealed record ArgmaxDecisionRule : DecisionRule
{
    /// <inheritdoc />
    public override string Name => "argmax";

    private protected override int DecideRow(ReadOnlySpan<double> probabilities)
    {
        int best = 0;
        for (int c = 1; c < probabilities.Length; c++)
        {
            if (probabilities[c] > probabilities[best])
            {
                best = c;
            }
        }

        return best;
    }
}
