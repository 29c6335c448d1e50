using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Validation monitors for <see cref="MultiHeadTrainerOptions.Monitor"/> built on this library's metrics, each the
/// mean over heads with labelled validation rows (see <see cref="ModelEvaluator"/>). Thread-safe.
/// </summary>
/// <remarks>
/// Why: the class-weighted validation loss is dominated by a handful of rare rows on skewed data, which makes it a
/// noisy criterion for choosing the epoch. The unweighted NLL after prior correction weighs every row once and
/// measures what the corrected model is used for.
/// </remarks>
public static class ValidationMonitors
{
    /// <summary>The unweighted NLL of the prior-corrected probabilities (lower is better); name <c>nll</c>.</summary>
    public static ValidationMonitor CorrectedNll { get; } = new MetricMonitor("nll", false, LogitCorrection.Prior, DecisionRule.Argmax, m => m.Nll);

    /// <summary>Balanced accuracy of the raw outputs' argmax (higher is better; class weights aim at it); name <c>balanced_accuracy</c>.</summary>
    public static ValidationMonitor BalancedAccuracy { get; } = new MetricMonitor("balanced_accuracy", true, LogitCorrection.None, DecisionRule.Argmax, m => m.BalancedAccuracy);

    /// <summary>Macro-F1 of the raw outputs' argmax (higher is better); name <c>macro_f1</c>.</summary>
    public static ValidationMonitor MacroF1 { get; } = new MetricMonitor("macro_f1", true, LogitCorrection.None, DecisionRule.Argmax, m => m.MacroF1);

    /// <summary>Quadratic weighted kappa of the prior-corrected median (higher is better); name <c>qwk</c>.</summary>
    public static ValidationMonitor Qwk { get; } = new MetricMonitor("qwk", true, LogitCorrection.Prior, DecisionRule.Median, m => m.Qwk);

    /// <summary>Mean absolute error of the prior-corrected median (lower is better); name <c>mae</c>.</summary>
    public static ValidationMonitor Mae { get; } = new MetricMonitor("mae", false, LogitCorrection.Prior, DecisionRule.Median, m => m.Mae);

    /// <summary>Every monitor by name, the loss included: loss, nll, balanced_accuracy, macro_f1, qwk, mae.</summary>
    public static IReadOnlyList<ValidationMonitor> All { get; } = [ValidationMonitor.Loss, CorrectedNll, BalancedAccuracy, MacroF1, Qwk, Mae];

    /// <summary>The monitor with this name.</summary>
    /// <param name="name">One of <see cref="All"/>'s names, in any case.</param>
    /// <returns>The monitor.</returns>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the names.</exception>
    public static ValidationMonitor Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown monitor '{name}'; expected one of: {string.Join(", ", All.Select(m => m.Name))}.", nameof(name));
    }

    private sealed class MetricMonitor(string name, bool higherIsBetter, LogitCorrection correction, DecisionRule rule, Func<MetricSummary, double?> metric) : ValidationMonitor
    {
        public override string Name => name;

        public override bool HigherIsBetter => higherIsBetter;

        public override double Measure(MultiHeadModel model, MultiHeadDataset validation, double validationLoss) =>
            metric(ModelEvaluator.Evaluate(model, validation, correction, rule).Mean) ?? double.NaN;
    }
}
