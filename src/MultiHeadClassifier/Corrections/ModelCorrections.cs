using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Corrections;

/// <summary>
/// Applies a <see cref="LogitCorrection"/> to a model's raw predictions head by head, and fits per-head
/// temperatures. Nothing here runs unless called: <see cref="MultiHeadModel.Predict(float[,], int)"/> always returns raw logits.
/// </summary>
/// <remarks>
/// Why: at the optimum of a class-weighted cross-entropy, softmax(z)_c ∝ w_c · p(c|x), so raw logits over-predict
/// up-weighted (rare) classes. Subtracting ln w_c recovers p(c|x) (prior correction, or logit adjustment);
/// dividing logits by weights is wrong. Temperature correction, fitted on held-out data, then fixes remaining
/// over- or under-confidence. Thread-safe for concurrent reads of one model.
/// </remarks>
public static class ModelCorrections
{
    /// <summary>Returns corrected logits for every head.</summary>
    /// <param name="model">The model that produced <paramref name="raw"/>.</param>
    /// <param name="raw">Raw logits from <see cref="MultiHeadModel.Predict(float[,], int)"/>.</param>
    /// <param name="correction">The corrections to apply.</param>
    /// <param name="temperatures">
    /// For temperature correction: the temperatures to use. Default null: the model's attached
    /// <see cref="MultiHeadModel.Temperatures"/>.
    /// </param>
    /// <returns>A new prediction; <paramref name="raw"/> is unchanged.</returns>
    /// <exception cref="InvalidOperationException">Prior correction without resolved class weights, or temperature correction without temperatures fitted for this correction.</exception>
    public static MultiHeadPrediction Apply(MultiHeadModel model, MultiHeadPrediction raw, LogitCorrection correction, FittedTemperatures? temperatures = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(raw);
        bool prior = correction.HasFlag(LogitCorrection.Prior);
        bool temperature = correction.HasFlag(LogitCorrection.Temperature);
        if (prior && model.ClassWeights is null)
        {
            throw new InvalidOperationException("Prior correction needs the model's class weights; fit or load a trained model first.");
        }

        temperatures ??= model.Temperatures;
        if (temperature && (temperatures is null || temperatures.AfterPriorCorrection != prior))
        {
            string basis = prior ? "prior-corrected" : "raw";
            throw new InvalidOperationException(
                $"Temperature correction needs temperatures fitted on {basis} logits; fit them with ModelCorrections.FitTemperatures(model, heldOutData, afterPriorCorrection: {prior.ToString().ToLowerInvariant()}) "
                + "and attach them (model.Temperatures = …) or pass them to Apply.");
        }

        var result = new Dictionary<string, float[,]>(StringComparer.Ordinal);
        var kinds = new Dictionary<string, HeadLoss>(StringComparer.Ordinal);
        foreach (var head in model.Heads)
        {
            double t = temperature && temperatures!.PerHead.TryGetValue(head.Name, out double fitted) ? fitted : 1.0;
            var kind = raw.Kinds[head.Name];
            (result[head.Name], kinds[head.Name]) = kind == HeadLoss.CrossEntropy
                ? (CorrectLogits(raw[head.Name], prior ? model.ClassWeights![head.Name] : null, t), HeadLoss.CrossEntropy)
                : CorrectOrdinal(raw[head.Name], kind, prior ? model.ClassWeights![head.Name] : null, t);
        }

        return new MultiHeadPrediction(result, kinds);
    }

    /// <summary>A cross-entropy head: (z − ln w) / T, each step only when asked.</summary>
    private static float[,] CorrectLogits(float[,] logits, float[]? weights, double temperature)
    {
        if (weights is not null)
        {
            logits = PriorCorrection.Apply(logits, weights);
        }

        return temperature == 1.0 ? logits : TemperatureCorrection.Apply(logits, temperature);
    }

    /// <summary>
    /// A CORN or CORAL head: the temperature divides the K−1 raw outputs; prior correction then needs class
    /// probabilities, so it returns K class logits log p − ln w (renormalised by the softmax) and the head's outputs
    /// become <see cref="HeadLoss.CrossEntropy"/> logits. Without prior correction the outputs keep their kind.
    /// </summary>
    private static (float[,] Outputs, HeadLoss Kind) CorrectOrdinal(float[,] outputs, HeadLoss kind, float[]? weights, double temperature)
    {
        if (weights is null)
        {
            return (temperature == 1.0 ? outputs : TemperatureCorrection.Apply(outputs, temperature), kind);
        }

        var logProbabilities = OrdinalProbabilities.LogProbabilities(OrdinalProbabilities.Of(outputs, kind, temperature));
        return (PriorCorrection.Apply(logProbabilities, weights), HeadLoss.CrossEntropy);
    }

    /// <summary>
    /// Fits one temperature per head on labelled held-out data (minimising NLL; missing labels ignored). The
    /// model is not changed: attach the result with <c>model.Temperatures = …</c> to use it by default and save
    /// it with the model, or pass it to <see cref="Apply"/>. A head with no labelled held-out rows gets T = 1.
    /// </summary>
    /// <param name="model">A trained model.</param>
    /// <param name="heldOut">Held-out labelled rows (not the training data).</param>
    /// <param name="afterPriorCorrection">Fit on prior-corrected logits (default true, for <see cref="LogitCorrection.PriorAndTemperature"/>) or on raw logits (for <see cref="LogitCorrection.Temperature"/>).</param>
    /// <returns>The temperatures, their basis and the held-out data's fingerprint.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model.</exception>
    public static FittedTemperatures FitTemperatures(MultiHeadModel model, MultiHeadDataset heldOut, bool afterPriorCorrection = true) =>
        FitTemperatures(model, heldOut, afterPriorCorrection, logger: null);

    /// <summary>
    /// Fits one temperature per head as <see cref="FitTemperatures(MultiHeadModel, MultiHeadDataset, bool)"/> does,
    /// and logs each head's temperature (Debug) and warnings: a head without labelled held-out rows (T = 1), and
    /// a temperature at a bound of the search (<see cref="TemperatureCorrection.MinimumTemperature"/> or
    /// <see cref="TemperatureCorrection.MaximumTemperature"/>), where the NLL was still falling and the fit is
    /// not trustworthy. Pass the trainer's <c>MultiHeadTrainerOptions.Logger</c> to keep one log.
    /// </summary>
    /// <param name="model">A trained model.</param>
    /// <param name="heldOut">Held-out labelled rows (not the training data).</param>
    /// <param name="afterPriorCorrection">Fit on prior-corrected logits (true) or on raw logits (false).</param>
    /// <param name="logger">Where to log; null logs nothing.</param>
    /// <returns>The temperatures, their basis and the held-out data's fingerprint.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model.</exception>
    public static FittedTemperatures FitTemperatures(MultiHeadModel model, MultiHeadDataset heldOut, bool afterPriorCorrection, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heldOut);
        logger ??= NullLogger.Instance;
        heldOut.ValidateFor(model.Heads, model.InputWidth, role: "held-out data");
        var raw = model.Predict(heldOut);
        var logits = Apply(model, raw, afterPriorCorrection ? LogitCorrection.Prior : LogitCorrection.None);
        var temperatures = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int h = 0; h < model.Heads.Count; h++)
        {
            var head = model.Heads[h];
            var labels = heldOut.HeadLabels(h);
            if (!labels.Any(y => y >= 0))
            {
                CorrectionLog.TemperatureWithoutLabels(logger, head.Name);
                temperatures[head.Name] = 1.0;
                continue;
            }

            double t = head.Loss == HeadLoss.CrossEntropy
                ? TemperatureCorrection.Fit(logits[head.Name], labels)
                : FitOrdinalTemperature(raw[head.Name], head.Loss, labels, afterPriorCorrection ? model.ClassWeights![head.Name] : null);
            temperatures[head.Name] = t;
            CorrectionLog.TemperatureFitted(logger, head.Name, t);
            if (TemperatureCorrection.AtBound(t) is double bound)
            {
                CorrectionLog.TemperatureAtBound(logger, head.Name, t, bound);
            }
        }

        return new FittedTemperatures(temperatures, afterPriorCorrection, DataFingerprint.Of(heldOut));
    }

    /// <summary>The temperature that divides a CORN or CORAL head's raw outputs minimising the NLL of the (prior-corrected) class probabilities.</summary>
    private static double FitOrdinalTemperature(float[,] outputs, HeadLoss kind, int[] labels, float[]? weights)
    {
        int[] rows = [.. Enumerable.Range(0, labels.Length).Where(r => labels[r] >= 0)];
        double MeanNll(double temperature)
        {
            var p = OrdinalProbabilities.Of(outputs, kind, temperature);
            double total = 0;
            foreach (int r in rows)
            {
                double normaliser = 0;
                for (int c = 0; c < p.GetLength(1); c++)
                {
                    normaliser += p[r, c] / (weights?[c] ?? 1f);
                }

                double q = p[r, labels[r]] / (weights?[labels[r]] ?? 1f) / normaliser;
                total -= Math.Log(Math.Max(q, OrdinalProbabilities.LogFloor));
            }

            return total / rows.Length;
        }

        return TemperatureCorrection.FitBy(MeanNll);
    }

    /// <summary>Softmax probabilities of every head.</summary>
    /// <param name="prediction">Logits (raw or corrected).</param>
    /// <returns>Rows × classes probabilities keyed by head name.</returns>
    public static IReadOnlyDictionary<string, double[,]> Probabilities(MultiHeadPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return prediction.Logits.ToDictionary(
            p => p.Key,
            p => prediction.Kinds[p.Key] == HeadLoss.CrossEntropy ? LogitMath.Softmax(p.Value) : OrdinalProbabilities.Of(p.Value, prediction.Kinds[p.Key]),
            StringComparer.Ordinal);
    }
}
