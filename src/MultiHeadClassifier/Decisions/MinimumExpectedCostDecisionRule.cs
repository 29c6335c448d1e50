using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Decisions;

/// <summary>
/// Predicts argmin_j Σ_i p_i · cost[i, j]; ties go to the lowest index. Use
/// <see cref="DecisionRule.MinimumExpectedCost(double[,])"/>.
/// </summary>
internal sealed record MinimumExpectedCostDecisionRule : DecisionRule
{
    /// <inheritdoc />
    public override string Name => "minimum-expected-cost";

    private readonly double[,] _cost;

    /// <summary>Validates and copies the cost matrix.</summary>
    /// <param name="cost">K × K, cost[true, predicted], finite and non-negative.</param>
    public MinimumExpectedCostDecisionRule(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int rows = cost.GetLength(0);
        int cols = cost.GetLength(1);
        if (rows == 0 || rows != cols)
        {
            throw new ArgumentException(
                $"the cost matrix is {rows} x {cols}; it must be square, K x K, with K at least 1.", nameof(cost));
        }

        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double v = cost[i, j];
                if (!double.IsFinite(v) || v < 0)
                {
                    throw new ArgumentException(
                        $"cost[{i}, {j}] is {ArrayChecks.Format(v)}; costs must be finite and non-negative.", nameof(cost));
                }
            }
        }

        _cost = (double[,])cost.Clone();
    }

    /// <summary>The number of classes the cost matrix is for.</summary>
    public int ClassCount => _cost.GetLength(0);

    private protected override void ValidateClassCount(int classCount)
    {
        if (classCount != ClassCount)
        {
            throw new ArgumentException(
                $"probabilities have {classCount} columns but the cost matrix is {ClassCount} x {ClassCount}.",
                "probabilities");
        }
    }

    private protected override int DecideRow(ReadOnlySpan<double> probabilities)
    {
        int best = 0;
        double bestCost = double.PositiveInfinity;
        for (int j = 0; j < probabilities.Length; j++)
        {
            double expected = 0;
            for (int i = 0; i < probabilities.Length; i++)
            {
                expected += probabilities[i] * _cost[i, j];
            }

            if (expected < bestCost)
            {
                bestCost = expected;
                best = j;
            }
        }

        return best;
    }
}
