namespace MultiHeadClassifier.Decisions;

/// <summary>
/// Converts between <see cref="DecisionRuleKind"/> and the short names "argmax", "median" and "expected".
/// Parsing ignores case and surrounding white space. Thread-safe.
/// </summary>
public static class DecisionRuleNames
{
    /// <summary>The accepted names, in <see cref="DecisionRuleKind"/> order.</summary>
    public static IReadOnlyList<string> All { get; } = ["argmax", "median", "expected"];

    /// <summary>The short name of <paramref name="kind"/>.</summary>
    /// <param name="kind">A defined kind.</param>
    /// <returns>"argmax", "median" or "expected".</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined value.</exception>
    public static string ToName(DecisionRuleKind kind) => kind switch
    {
        DecisionRuleKind.Argmax => "argmax",
        DecisionRuleKind.OrdinalMedian => "median",
        DecisionRuleKind.ExpectedValue => "expected",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown decision rule kind."),
    };

    /// <summary>Reads a rule name.</summary>
    /// <param name="name">"argmax", "median" or "expected", in any case.</param>
    /// <param name="kind">The kind when the name is known, otherwise <see cref="DecisionRuleKind.Argmax"/>.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParse(string? name, out DecisionRuleKind kind)
    {
        switch (name?.Trim().ToUpperInvariant())
        {
            case "ARGMAX":
                kind = DecisionRuleKind.Argmax;
                return true;
            case "MEDIAN":
                kind = DecisionRuleKind.OrdinalMedian;
                return true;
            case "EXPECTED":
                kind = DecisionRuleKind.ExpectedValue;
                return true;
            default:
                kind = DecisionRuleKind.Argmax;
                return false;
        }
    }

    /// <summary>Reads a rule name.</summary>
    /// <param name="name">"argmax", "median" or "expected", in any case.</param>
    /// <returns>The matching kind.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is not one of the accepted names.</exception>
    public static DecisionRuleKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!TryParse(name, out DecisionRuleKind kind))
        {
            throw new ArgumentException(
                $"unknown decision rule '{name}'; expected one of: {string.Join(", ", All)}.", nameof(name));
        }

        return kind;
    }
}
