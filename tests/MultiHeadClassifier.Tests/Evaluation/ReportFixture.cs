using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Evaluation;

namespace MultiHeadClassifier.Tests.Evaluation;

/// <summary>
/// Three heads with hand-derived metrics, shared by the evaluator and report specs.
/// </summary>
/// <remarks>
/// Head "acting", K = 3, argmax predictions:
///   row 0: p = [0.8, 0.1, 0.1], y = 0, ŷ = 0    Brier 0.04 + 0.01 + 0.01 = 0.06
///   row 1: p = [0.4, 0.5, 0.1], y = 0, ŷ = 1    Brier 0.36 + 0.25 + 0.01 = 0.62
///   row 2: p = [0.1, 0.7, 0.2], y = 1, ŷ = 1    Brier 0.01 + 0.09 + 0.04 = 0.14
///   row 3: p = [0.1, 0.1, 0.8], y = 2, ŷ = 2    Brier 0.01 + 0.01 + 0.04 = 0.06
///   confusion [[1,1,0],[0,1,0],[0,0,1]]; support [2, 1, 1]; accuracy 3/4
///   recall [1/2, 1, 1] → balanced accuracy 5/6; precision [1, 1/2, 1]
///   F1: class 0 2/(2+0+1) = 2/3, class 1 2/(2+1+0) = 2/3, class 2 1 → macro F1 7/9
///   MAE 1/4. Kappa: r = [2,1,1], c = [1,2,1], Σ w·O = 1, Σ w·r·c = 2·(2 + 4) + 1·(1 + 1) + 1·(4 + 2) = 20,
///   Σ w·E = 20/4 = 5 → kappa = 1 − 1/5 = 0.8
///   NLL = −(ln 0.8 + ln 0.4 + ln 0.7 + ln 0.8) / 4; Brier 0.88 / 4 = 0.22
///   ECE: bin 11 (conf 0.8 ×2, both right) gap 0.2 weight ½ → 0.1; bin 7 (0.5, wrong) 0.5·¼ = 0.125;
///   bin 10 (0.7, right) 0.3·¼ = 0.075 → 0.3
///   AMAE: class 0 errors 0, 1 → ½; classes 1 and 2 → 0 → ½ / 3 = 1/6. RMSE √(1/4) = 0.5.
///   Class-wise ECE (bin of x is ⌈15x⌉ − 1, an edge b/15 belonging to bin b − 1):
///     class 0, p0: 0.8 hit (bin 11) 0.2; 0.4 hit (bin 5) 0.6; 0.1, 0.1 miss (bin 1) 0.1 each → 1.0 / 4 = 0.25
///     class 1, p1: 0.1, 0.1 miss (bin 1) 0.2; 0.5 miss (bin 7) 0.5; 0.7 hit (bin 10) 0.3 → 0.25
///     class 2, p2: 0.1, 0.1 miss (bin 1) 0.2; 0.2 miss (bin 2) 0.2; 0.8 hit (bin 11) 0.2 → 0.15
///     mean (0.25 + 0.25 + 0.15) / 3 = 0.65 / 3
///   Adaptive ECE: 4 rows, one per equal-mass group → (0.2 + 0.5 + 0.3 + 0.2) / 4 = 0.3
/// Head "empty", K = 2: every label missing → every scalar null.
/// Head "perfect", K = 2, argmax; row 3 missing:
///   p = [0.9, 0.1] y 0, [0.2, 0.8] y 1, [0.4, 0.6] y 1 → accuracy, balanced accuracy, macro F1, kappa 1, MAE 0
///   NLL = −(ln 0.9 + ln 0.8 + ln 0.6) / 3; Brier (0.02 + 0.08 + 0.32) / 3 = 0.14
///   ECE = (0.1 + 0.2 + 0.4) / 3 = 0.7/3 (three bins, one row each, all right)
///   AMAE 0, RMSE 0; class-wise ECE: class 0, p0 0.9 hit, 0.2 and 0.4 miss → (0.1 + 0.2 + 0.4) / 3; class 1,
///   p1 0.1 miss, 0.8 and 0.6 hit → the same → 0.7/3; adaptive ECE 0.7/3 (one row per group)
/// Means over heads with values ("empty" has none): accuracy (0.75 + 1)/2 = 0.875, kappa (0.8 + 1)/2 = 0.9,
///   MAE 0.125, Brier 0.18, ECE (0.3 + 0.7/3)/2 = 0.8/3, AMAE 1/12, RMSE 0.25, class-wise ECE
///   (0.65/3 + 0.7/3)/2 = 0.225, adaptive ECE 0.8/3.
/// </remarks>
internal static class ReportFixture
{
    internal static readonly double[,] ActingProbabilities =
    {
        { 0.8, 0.1, 0.1 },
        { 0.4, 0.5, 0.1 },
        { 0.1, 0.7, 0.2 },
        { 0.1, 0.1, 0.8 },
    };

    internal static readonly int[] ActingLabels = [0, 0, 1, 2];

    internal static HeadEvaluation Acting() =>
        HeadEvaluator.Evaluate("acting", ActingLabels, ActingProbabilities, DecisionRule.Argmax);

    internal static HeadEvaluation Empty() =>
        HeadEvaluator.Evaluate(
            "empty",
            [-1, -1, -1, -1],
            new double[,] { { 0.5, 0.5 }, { 0.1, 0.9 }, { 0.7, 0.3 }, { 1, 0 } },
            DecisionRule.Argmax);

    internal static HeadEvaluation Perfect() =>
        HeadEvaluator.Evaluate(
            "perfect",
            [0, 1, 1, -1],
            new double[,] { { 0.9, 0.1 }, { 0.2, 0.8 }, { 0.4, 0.6 }, { 0.5, 0.5 } },
            DecisionRule.Argmax);

    internal static EvaluationReport Report() => new([Acting(), Empty(), Perfect()]);
}
