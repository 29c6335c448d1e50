using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Decisions;

/// <summary>
/// argmax_c p(c|x) / π_c, with π the head's training class prior: the Bayes rule for balanced accuracy (the mean
/// of per-class recalls), so a model with calibrated probabilities reaches for rare-class recall without being
/// retrained. Use <see cref="DecisionRule.BalancedArgmax"/>, which takes π from the model per head through
/// <see cref="DecisionRule.ForHead"/>. Ties go to the lowest index.
/// </summary>
internal sealed record BalancedArgmaxDecisionRule : DecisionRule
{
    private readonly double[]? _prior;

    /// <summary>The unbound rule, or the rule for one head's prior.</summary>
    public BalancedArgmaxDecisionRule(double[]? prior = null)
    {
        if (prior is not null && prior.Any(p => !double.IsFinite(p) || p <= 0))
        {
            throw new ArgumentException($"the training prior [{string.Join(", ", prior.Select(ArrayChecks.Format))}] has a class with no training rows or a non-finite value; balanced argmax divides by it.", nameof(prior));
        }

        _prior = prior is null ? null : [.. prior];
    }

    /// <inheritdoc />
    public override string Name => "balanced";

    /// <inheritdoc />
    public override DecisionRule ForHead(MultiHeadModel model, string head)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ClassPriors is null || !model.ClassPriors.TryGetValue(head, out var prior))
        {
            throw new InvalidOperationException($"Head '{head}': the balanced rule needs the training class prior, which this model does not store (it was saved before priors were recorded, or never fitted); fit it again.");
        }

        return new BalancedArgmaxDecisionRule(prior);
    }

    /// <inheritdoc />
    private protected override void ValidateClassCount(int classCount)
    {
        if (_prior is null)
        {
            throw new InvalidOperationException("The balanced rule divides by a head's training prior: get the head's rule with ForHead(model, head).");
        }

        if (_prior.Length != classCount)
        {
            throw new ArgumentException($"probabilities have {classCount} columns but the training prior has {_prior.Length} classes.", "probabilities");
        }
    }

    private protected override int DecideRow(ReadOnlySpan<double> probabilities)
    {
        int best = 0;
        for (int c = 1; c < probabilities.Length; c++)
        {
            if (probabilities[c] / _prior![c] > probabilities[best] / _prior[best])
            {
                best = c;
            }
        }

        return best;
    }
}
