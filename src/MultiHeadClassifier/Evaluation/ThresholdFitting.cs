using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Fits the <see cref="DecisionRule.Thresholds"/> rule: per head, K−1 ordered cut points on the expected rating
/// E = Σ_c c·p_c (of the corrected probabilities) that maximise the quadratic weighted kappa on held-out data.
/// Stateless and thread-safe.
/// </summary>
/// <remarks>
/// The search: start from t_k = k + ½ (the rounded expected value); the candidate values are the midpoints between
/// consecutive distinct E of the labelled held-out rows, thinned to at most <see cref="MaximumCandidates"/> evenly
/// spaced by rank; then coordinate ascent — for each cut point in turn, try every candidate between its
/// neighbours (so the cut points stay in order) and keep the best QWK, a change only when it is strictly better —
/// until a pass changes nothing, at most <see cref="MaximumPasses"/> passes. A head without labelled held-out rows,
/// or whose QWK is undefined there, keeps the starting cut points.
/// </remarks>
public static class ThresholdFitting
{
    /// <summary>The most candidate values tried per cut point.</summary>
    public const int MaximumCandidates = 200;

    /// <summary>The most coordinate-ascent passes over the cut points.</summary>
    public const int MaximumPasses = 10;

    /// <summary>Fits cut points per head on held-out data.</summary>
    /// <param name="model">A trained model.</param>
    /// <param name="heldOut">Held-out labelled rows (not the training data).</param>
    /// <param name="correction">The correction the probabilities get before E is computed; use the one you evaluate or predict with.</param>
    /// <returns>A rule named <c>thresholds</c> whose <see cref="DecisionRule.ForHead"/> gives each head's fitted cut points.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model.</exception>
    public static DecisionRule Fit(MultiHeadModel model, MultiHeadDataset heldOut, LogitCorrection correction)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heldOut);
        heldOut.ValidateFor(model.Heads, model.InputWidth, role: "held-out data");
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, model.Predict(heldOut), correction));
        var rules = new Dictionary<string, DecisionRule>(StringComparer.Ordinal);
        for (int h = 0; h < model.Heads.Count; h++)
        {
            var head = model.Heads[h];
            rules[head.Name] = DecisionRule.ExpectedValueCuts(FitHead(probabilities[head.Name], heldOut.HeadLabels(h), head.ClassCount));
        }

        return DecisionRule.PerHead("thresholds", rules);
    }

    /// <summary>Fits cut points per head on an ensemble's mean probabilities over held-out data.</summary>
    /// <param name="ensemble">A trained ensemble.</param>
    /// <param name="heldOut">Held-out labelled rows.</param>
    /// <param name="correction">The correction the mean probabilities get before E is computed.</param>
    /// <returns>A rule named <c>thresholds</c> with each head's fitted cut points.</returns>
    public static DecisionRule Fit(MultiHeadEnsemble ensemble, MultiHeadDataset heldOut, LogitCorrection correction)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(heldOut);
        heldOut.ValidateFor(ensemble.Heads, ensemble.InputWidth, role: "held-out data");
        var probabilities = ensemble.Probabilities(heldOut, correction);
        var rules = ensemble.Heads.Select((head, h) => (head.Name, Rule: DecisionRule.ExpectedValueCuts(FitHead(probabilities[head.Name], heldOut.HeadLabels(h), head.ClassCount))));
        return DecisionRule.PerHead("thresholds", rules.ToDictionary(p => p.Name, p => p.Rule, StringComparer.Ordinal));
    }

    /// <summary>The cut points of one head.</summary>
    internal static double[] FitHead(double[,] probabilities, int[] labels, int classCount)
    {
        double[] cuts = [.. Enumerable.Range(0, classCount - 1).Select(k => k + 0.5)];
        int[] rows = [.. Enumerable.Range(0, labels.Length).Where(r => labels[r] >= 0)];
        if (rows.Length == 0)
        {
            return cuts;
        }

        double[] expected = [.. rows.Select(r => Enumerable.Range(0, classCount).Sum(c => c * probabilities[r, c]))];
        int[] truth = [.. rows.Select(r => labels[r])];
        double[] candidates = Candidates(expected);
        double Score(double[] t) => QuadraticWeightedKappa.Compute(truth, Cut(expected, t), classCount).Value ?? double.NegativeInfinity;
        double best = Score(cuts);
        if (double.IsNegativeInfinity(best))
        {
            return cuts;
        }

        for (int pass = 0; pass < MaximumPasses; pass++)
        {
            bool changed = false;
            for (int k = 0; k < cuts.Length; k++)
            {
                double lo = k > 0 ? cuts[k - 1] : double.NegativeInfinity;
                double hi = k + 1 < cuts.Length ? cuts[k + 1] : double.PositiveInfinity;
                double kept = cuts[k];
                foreach (double candidate in candidates.Where(c => c >= lo && c <= hi))
                {
                    cuts[k] = candidate;
                    double score = Score(cuts);
                    if (score > best)
                    {
                        (best, kept, changed) = (score, candidate, true);
                    }
                }

                cuts[k] = kept;
            }

            if (!changed)
            {
                break;
            }
        }

        return cuts;
    }

    private static int[] Cut(double[] expected, double[] cuts) =>
        [.. expected.Select(e => cuts.Count(t => e >= t))];

    private static double[] Candidates(double[] expected)
    {
        double[] sorted = [.. expected.Distinct().Order()];
        double[] midpoints = [.. sorted.Zip(sorted.Skip(1), (a, b) => (a + b) / 2)];
        if (midpoints.Length <= MaximumCandidates)
        {
            return midpoints;
        }

        return [.. Enumerable.Range(0, MaximumCandidates).Select(i => midpoints[(int)((long)i * (midpoints.Length - 1) / (MaximumCandidates - 1))]).Distinct()];
    }
}
