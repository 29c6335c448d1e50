using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
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
        return new EvaluationReport(model.Heads.Select((head, h) =>
        {
            var p = probabilities[head.Name];
            return HeadEvaluator.Evaluate(head.Name, data.HeadLabels(h), p, rule.ForHead(model, head.Name).Decide(p), head.ClassCount);
        }));
    }
}
