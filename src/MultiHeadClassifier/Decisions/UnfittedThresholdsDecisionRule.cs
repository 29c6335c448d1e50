using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Decisions;

/// <summary>
/// The name <c>thresholds</c> before cut points are fitted: <see cref="DecisionRule.Parse"/> returns it so a
/// command line can ask for the rule; <c>ThresholdFitting.Fit</c> in Evaluation replaces it with fitted cut points.
/// </summary>
internal sealed record UnfittedThresholdsDecisionRule : DecisionRule
{
    /// <inheritdoc />
    public override string Name => "thresholds";

    /// <inheritdoc />
    public override bool NeedsFitting => true;

    /// <inheritdoc />
    public override DecisionRule ForHead(MultiHeadModel model, string head) => throw NotFitted();

    /// <inheritdoc />
    private protected override void ValidateClassCount(int classCount) => throw NotFitted();

    private protected override int DecideRow(ReadOnlySpan<double> probabilities) => throw NotFitted();

    private static InvalidOperationException NotFitted() =>
        new("The thresholds rule has no cut points yet: fit them on held-out data with ThresholdFitting.Fit(model, heldOut, correction).");
}
