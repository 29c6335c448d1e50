using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Decisions;

/// <summary>
/// Cuts the expected rating E = Σ_c c·p_c at K−1 ordered cut points: the class is the number of cut points
/// E reaches (E ≥ t_k). With t_k = k − ½ this is <see cref="DecisionRule.ExpectedValue"/>; fitted cut points
/// (see <c>Evaluation.ThresholdFitting</c>) trade the classes off against each other, for example to maximise QWK.
/// </summary>
internal sealed record ExpectedValueThresholdsDecisionRule : DecisionRule
{
    private readonly double[] _cuts;

    /// <summary>Validates and copies the cut points.</summary>
    public ExpectedValueThresholdsDecisionRule(IReadOnlyList<double> cuts)
    {
        ArgumentNullException.ThrowIfNull(cuts);
        for (int k = 0; k < cuts.Count; k++)
        {
            if (!double.IsFinite(cuts[k]) || (k > 0 && cuts[k] < cuts[k - 1]))
            {
                throw new ArgumentException($"cut point {k} is {ArrayChecks.Format(cuts[k])}; cut points must be finite and non-decreasing.", nameof(cuts));
            }
        }

        _cuts = [.. cuts];
    }

    /// <inheritdoc />
    public override string Name => "thresholds";

    /// <summary>The cut points, in order.</summary>
    public IReadOnlyList<double> Cuts => _cuts;

    /// <inheritdoc />
    private protected override void ValidateClassCount(int classCount)
    {
        if (_cuts.Length != classCount - 1)
        {
            throw new ArgumentException($"probabilities have {classCount} columns but there are {_cuts.Length} cut points; K classes need K-1.", "probabilities");
        }
    }

    private protected override int DecideRow(ReadOnlySpan<double> probabilities)
    {
        double expected = ExpectedValueDecisionRule.Expected(probabilities);
        int label = 0;
        while (label < _cuts.Length && expected >= _cuts[label])
        {
            label++;
        }

        return label;
    }
}
