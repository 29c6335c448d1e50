using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Evaluation;

/// <summary>Evaluates a model on labelled data, per head, after an explicit correction and with a decision rule.</summary>
public static class ModelEvaluator
{
    /// <summary>Predicts, corrects, decides and computes every metric per head.</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Labelled rows (−1 = missing, excluded per head).</param>
    /// <param name="correction">Applied before NLL, Brier and ECE and before deciding. Default <see cref="LogitCorrection.None"/>.</param>
    /// <param name="rule">The decision rule behind accuracy, F1, QWK, MAE, applied per head through <see cref="DecisionRule.ForHead"/>. Default <see cref="DecisionRule.Argmax"/>.</param>
    /// <returns>The per-head report.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model.</exception>
    public static EvaluationReport Evaluate(MultiHeadModel model, MultiHeadDataset data, LogitCorrection correction = LogitCorrection.None, DecisionRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        data.ValidateFor(model.Heads, model.InputWidth);
        rule ??= DecisionRule.Argmax;
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, model.Predict(data), correction));
        return Report(model.Heads, data, probabilities, head => rule.ForHead(model, head));
    }

    /// <summary>Evaluates an ensemble on labelled data, per head, on its mean probabilities after an explicit correction.</summary>
    /// <param name="ensemble">The ensemble.</param>
    /// <param name="data">Labelled rows (−1 = missing).</param>
    /// <param name="correction">The correction (see <see cref="MultiHeadEnsemble.Probabilities"/>). Default none.</param>
    /// <param name="rule">The decision rule, applied per head (per-head facts such as the training prior come from the first member). Default <see cref="DecisionRule.Argmax"/>.</param>
    /// <returns>The per-head report.</returns>
    /// <exception cref="ArgumentException">The data does not fit the ensemble.</exception>
    public static EvaluationReport Evaluate(MultiHeadEnsemble ensemble, MultiHeadDataset data, LogitCorrection correction = LogitCorrection.None, DecisionRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(data);
        data.ValidateFor(ensemble.Heads, ensemble.InputWidth);
        rule ??= DecisionRule.Argmax;
        return Report(ensemble.Heads, data, ensemble.Probabilities(data, correction), head => rule.ForHead(ensemble.Members[0], head));
    }

    private static EvaluationReport Report(IReadOnlyList<HeadDefinition> heads, MultiHeadDataset data, IReadOnlyDictionary<string, double[,]> probabilities, Func<string, DecisionRule> ruleFor) =>
        new(heads.Select((head, h) =>
        {
            var p = probabilities[head.Name];
            return HeadEvaluator.Evaluate(head.Name, data.HeadLabels(h), p, ruleFor(head.Name).Decide(p), head.ClassCount);
        }));
}
