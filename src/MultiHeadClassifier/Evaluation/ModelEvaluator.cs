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

    /// <summary>
    /// Evaluates a model over labelled rows given in chunks, in order: predicts, corrects and decides chunk by chunk
    /// and keeps only the running counts and sums of <see cref="EvaluationAccumulator"/>, so memory does not grow
    /// with the rows (adaptive ECE's 8 bytes per labelled row and head go to a temporary file beyond 262,144 rows per
    /// head). The report equals
    /// <see cref="Evaluate(MultiHeadModel, MultiHeadDataset, LogitCorrection, DecisionRule?)"/>'s on all the rows
    /// at once, bit for bit, as long as each chunk's probabilities are those the whole data would give its rows
    /// (true of <see cref="MultiHeadModel.Predict(MultiHeadDataset, int)"/> when every chunk but the last holds a
    /// multiple of its 2,048-row forward batch; other sizes can move a probability by float rounding).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="chunks">Labelled chunks (−1 = missing), read once, in order.</param>
    /// <param name="correction">As for the whole-data overload. Default <see cref="LogitCorrection.None"/>.</param>
    /// <param name="rule">As for the whole-data overload. Default <see cref="DecisionRule.Argmax"/>.</param>
    /// <returns>The per-head report.</returns>
    /// <exception cref="ArgumentException">A chunk does not fit the model.</exception>
    public static EvaluationReport Evaluate(MultiHeadModel model, IEnumerable<MultiHeadDataset> chunks, LogitCorrection correction = LogitCorrection.None, DecisionRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(chunks);
        rule ??= DecisionRule.Argmax;
        return Accumulate(
            model.Heads,
            model.InputWidth,
            chunks,
            chunk => ModelCorrections.Probabilities(ModelCorrections.Apply(model, model.Predict(chunk), correction)),
            head => rule.ForHead(model, head));
    }

    /// <summary>
    /// Evaluates an ensemble over labelled rows given in chunks, in order, on its mean probabilities after an
    /// explicit correction; memory and equality with the whole-data overload as for a model's chunked overload.
    /// </summary>
    /// <param name="ensemble">The ensemble.</param>
    /// <param name="chunks">Labelled chunks (−1 = missing), read once, in order.</param>
    /// <param name="correction">The correction (see <see cref="MultiHeadEnsemble.Probabilities"/>). Default none.</param>
    /// <param name="rule">The decision rule, per head as for the whole-data overload. Default <see cref="DecisionRule.Argmax"/>.</param>
    /// <returns>The per-head report.</returns>
    /// <exception cref="ArgumentException">A chunk does not fit the ensemble.</exception>
    public static EvaluationReport Evaluate(MultiHeadEnsemble ensemble, IEnumerable<MultiHeadDataset> chunks, LogitCorrection correction = LogitCorrection.None, DecisionRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(chunks);
        rule ??= DecisionRule.Argmax;
        return Accumulate(ensemble.Heads, ensemble.InputWidth, chunks, chunk => ensemble.Probabilities(chunk, correction), head => rule.ForHead(ensemble.Members[0], head));
    }

    private static EvaluationReport Accumulate(
        IReadOnlyList<HeadDefinition> heads,
        int inputWidth,
        IEnumerable<MultiHeadDataset> chunks,
        Func<MultiHeadDataset, IReadOnlyDictionary<string, double[,]>> probabilitiesOf,
        Func<string, DecisionRule> ruleFor)
    {
        var accumulator = new EvaluationAccumulator(heads);
        foreach (MultiHeadDataset chunk in chunks)
        {
            ArgumentNullException.ThrowIfNull(chunk, nameof(chunks));
            chunk.ValidateFor(heads, inputWidth);
            accumulator.Add(chunk, probabilitiesOf(chunk), ruleFor);
        }

        return accumulator.ToReport();
    }

    private static EvaluationReport Report(IReadOnlyList<HeadDefinition> heads, MultiHeadDataset data, IReadOnlyDictionary<string, double[,]> probabilities, Func<string, DecisionRule> ruleFor)
    {
        var accumulator = new EvaluationAccumulator(heads);
        accumulator.Add(data, probabilities, ruleFor);
        return accumulator.ToReport();
    }
}
