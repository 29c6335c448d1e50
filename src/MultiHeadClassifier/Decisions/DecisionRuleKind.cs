namespace MultiHeadClassifier.Decisions;

/// <summary>
/// The decision rules that can be chosen by name (for example on a command line); see
/// <see cref="DecisionRuleNames"/> and <see cref="DecisionRule.FromKind(DecisionRuleKind)"/>.
/// </summary>
public enum DecisionRuleKind
{
    /// <summary>The most probable class (name "argmax").</summary>
    Argmax = 0,

    /// <summary>The median of the predicted distribution (name "median").</summary>
    OrdinalMedian = 1,

    /// <summary>The rounded expected class (name "expected").</summary>
    ExpectedValue = 2,
}
