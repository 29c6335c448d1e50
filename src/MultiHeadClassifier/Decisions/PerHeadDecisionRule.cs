using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Decisions;

/// <summary>
/// One rule per head, for rules fitted per head such as threshold cut points. <see cref="ForHead"/> returns the
/// head's rule; deciding without naming the head is refused.
/// </summary>
internal sealed record PerHeadDecisionRule : DecisionRule
{
    private readonly Dictionary<string, DecisionRule> _rules;

    public PerHeadDecisionRule(string name, IReadOnlyDictionary<string, DecisionRule> rules)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(rules);
        Name = name;
        _rules = new Dictionary<string, DecisionRule>(rules, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The rule of each head.</summary>
    public IReadOnlyDictionary<string, DecisionRule> Rules => _rules;

    /// <inheritdoc />
    public override DecisionRule ForHead(MultiHeadModel model, string head) =>
        _rules.TryGetValue(head, out var rule)
            ? rule
            : throw new KeyNotFoundException($"The '{Name}' rule has no entry for head '{head}'; it has {string.Join(", ", _rules.Keys)}.");

    /// <inheritdoc />
    private protected override void ValidateClassCount(int classCount) =>
        throw new InvalidOperationException($"The '{Name}' rule holds one rule per head: get a head's rule with ForHead(model, head).");

    private protected override int DecideRow(ReadOnlySpan<double> probabilities) => throw new InvalidOperationException("unreachable: ValidateClassCount refuses first.");
}
