using System.Diagnostics.CodeAnalysis;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Decisions;

/// <summary>
/// Turns a head's class probabilities into one predicted class per row. Different rules minimise different
/// losses: <see cref="Argmax"/> the error rate, <see cref="Median"/> the expected absolute error on
/// ordered classes, <see cref="MinimumExpectedCost(double[,])"/> any cost matrix.
/// </summary>
/// <remarks>
/// Each rule has one <see cref="Name"/>, used unchanged by the command line (<c>--decision</c>) and reports:
/// the property's name in lower case with hyphens, e.g. <c>expected-value</c> for <see cref="ExpectedValue"/>.
/// Rules are immutable and thread-safe. Every rule validates its input: probabilities rows × K with finite,
/// non-negative entries and rows summing to 1 (within 1e-3).
/// </remarks>
public abstract record DecisionRule
{
    /// <summary>The most probable class; ties go to the lowest class index.</summary>
    public static DecisionRule Argmax { get; } = new ArgmaxDecisionRule();

    /// <summary>
    /// The smallest class k whose cumulative probability p_0 + … + p_k reaches 0.5: the median of the
    /// predicted distribution, which minimises the expected absolute error |y − ŷ| on ordered classes.
    /// </summary>
    public static DecisionRule Median { get; } = new OrdinalMedianDecisionRule();

    /// <summary>
    /// The expected class Σ c·p_c rounded to the nearest class (midpoints round up) and clamped to 0..K−1.
    /// </summary>
    public static DecisionRule ExpectedValue { get; } = new ExpectedValueDecisionRule();

    /// <summary>
    /// argmax_c p(c|x) / π_c with π the head's training class prior: the Bayes rule for balanced accuracy.
    /// It takes π from the model per head: use <see cref="ForHead"/> (the evaluator and the CLI do).
    /// </summary>
    public static DecisionRule BalancedArgmax { get; } = new BalancedArgmaxDecisionRule();

    /// <summary>
    /// Cut points on the expected rating, fitted per head on held-out data to maximise QWK; this named instance has
    /// none yet (<see cref="NeedsFitting"/>): <c>ThresholdFitting.Fit</c> in Evaluation returns the fitted rule.
    /// </summary>
    public static DecisionRule Thresholds { get; } = new UnfittedThresholdsDecisionRule();

    /// <summary>The rules <see cref="Parse"/> finds by name: argmax, median, expected-value, balanced, thresholds.</summary>
    public static IReadOnlyList<DecisionRule> Named { get; } = [Argmax, Median, ExpectedValue, BalancedArgmax, Thresholds];

    /// <summary>
    /// The rule's name: <c>argmax</c>, <c>median</c>, <c>expected-value</c>, <c>balanced</c>, <c>thresholds</c> or
    /// <c>minimum-expected-cost</c>.
    /// </summary>
    public abstract string Name { get; }

    /// <summary>Whether the rule must be fitted on held-out data before use (<see cref="Thresholds"/> before fitting).</summary>
    /// <value>Default false.</value>
    public virtual bool NeedsFitting => false;

    /// <summary>
    /// The rule to apply to one head of a model. Rules that need per-head facts take them here: the balanced rule
    /// the head's training prior, fitted thresholds the head's cut points. Other rules return themselves.
    /// </summary>
    /// <param name="model">The model whose head is decided.</param>
    /// <param name="head">The head's name.</param>
    /// <returns>A rule that decides that head's rows.</returns>
    /// <exception cref="InvalidOperationException">The rule needs something the model or the rule lacks (a stored prior, fitted cut points).</exception>
    public virtual DecisionRule ForHead(MultiHeadModel model, string head) => this;

    /// <summary>The rule that cuts the expected rating Σ c·p_c at the given non-decreasing cut points (K−1 of them).</summary>
    /// <param name="cuts">The cut points; class = the number of cut points the expected rating reaches.</param>
    /// <returns>The rule.</returns>
    /// <exception cref="ArgumentException">A cut point is not finite, or they decrease.</exception>
    public static DecisionRule ExpectedValueCuts(IReadOnlyList<double> cuts) => new ExpectedValueThresholdsDecisionRule(cuts);

    /// <summary>A rule made of one rule per head (for example fitted cut points); <see cref="ForHead"/> picks the head's.</summary>
    /// <param name="name">The rule's name.</param>
    /// <param name="rules">The rule of each head, keyed by head name.</param>
    /// <returns>The rule.</returns>
    public static DecisionRule PerHead(string name, IReadOnlyDictionary<string, DecisionRule> rules) => new PerHeadDecisionRule(name, rules);

    /// <summary>Predicts one class for each row of <paramref name="probabilities"/>.</summary>
    /// <param name="probabilities">Class probabilities, rows × K.</param>
    /// <returns>One class index in 0..K−1 per row.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="probabilities"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The probabilities have no columns, a non-finite or negative entry, a row not summing to 1, or (for
    /// <see cref="MinimumExpectedCost(double[,])"/>) a column count that differs from the cost matrix's size.
    /// </exception>
    public int[] Decide(double[,] probabilities)
    {
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities));
        int rows = probabilities.GetLength(0);
        var result = new int[rows];
        var row = new double[probabilities.GetLength(1)];
        ValidateClassCount(row.Length);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < row.Length; c++)
            {
                row[c] = probabilities[r, c];
            }

            result[r] = DecideRow(row);
        }

        return result;
    }

    /// <summary>
    /// The rule that predicts argmin_j Σ_i p_i · cost[i, j]: the class with the lowest expected cost. Ties go to
    /// the lowest class index. With cost 1 off the diagonal and 0 on it this is <see cref="Argmax"/>; with cost
    /// |i − j| it is the ordinal median.
    /// </summary>
    /// <param name="cost">K × K matrix: cost[true, predicted]; every entry finite and non-negative. Copied.</param>
    /// <returns>The rule.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cost"/> is null.</exception>
    /// <exception cref="ArgumentException">The matrix is empty or not square, or an entry is negative or not finite.</exception>
    public static DecisionRule MinimumExpectedCost(double[,] cost) => new MinimumExpectedCostDecisionRule(cost);

    /// <summary>Finds one of the <see cref="Named"/> rules by its <see cref="Name"/>, ignoring case and surrounding white space.</summary>
    /// <param name="name">A rule name; <c>expected</c>, the command line's earlier name, is read as <c>expected-value</c>.</param>
    /// <param name="rule">The rule, or null when the name is unknown.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParse(string? name, [NotNullWhen(true)] out DecisionRule? rule)
    {
        string key = name?.Trim().ToLowerInvariant() ?? string.Empty;
        key = key == "expected" ? ExpectedValue.Name : key;
        rule = Named.FirstOrDefault(r => r.Name == key);
        return rule is not null;
    }

    /// <summary>Finds one of the <see cref="Named"/> rules by its <see cref="Name"/>.</summary>
    /// <param name="name">A rule name, in any case.</param>
    /// <returns>The rule.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Named"/>'s.</exception>
    public static DecisionRule Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryParse(name, out var rule)
            ? rule
            : throw new ArgumentException($"unknown decision rule '{name}'; expected one of: {string.Join(", ", Named.Select(r => r.Name))}.", nameof(name));
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Chooses the class for one row whose entries have been validated.</summary>
    /// <param name="probabilities">The row's K probabilities; not to be kept or modified.</param>
    /// <returns>A class index in 0..K−1.</returns>
    private protected abstract int DecideRow(ReadOnlySpan<double> probabilities);

    /// <summary>Checks that the probabilities' class count suits the rule; by default any count does.</summary>
    /// <param name="classCount">K, the probabilities' column count.</param>
    private protected virtual void ValidateClassCount(int classCount)
    {
    }
}
