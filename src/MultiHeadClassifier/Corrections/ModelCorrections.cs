using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiHeadClassifier.Data;
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
        foreach (var head in model.Heads)
        {
            var logits = raw[head.Name];
            if (prior)
            {
                logits = PriorCorrection.Apply(logits, model.ClassWeights![head.Name]);
            }

            if (temperature && temperatures!.PerHead.TryGetValue(head.Name, out double t))
            {
                logits = TemperatureCorrection.Apply(logits, t);
            }

            result[head.Name] = logits;
        }

        return new MultiHeadPrediction(result);
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
        var logits = Apply(model, model.Predict(heldOut), afterPriorCorrection ? LogitCorrection.Prior : LogitCorrection.None);
        var temperatures = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int h = 0; h < model.Heads.Count; h++)
        {
            string name = model.Heads[h].Name;
            var labels = heldOut.HeadLabels(h);
            if (!labels.Any(y => y >= 0))
            {
                CorrectionLog.TemperatureWithoutLabels(logger, name);
                temperatures[name] = 1.0;
                continue;
            }

            double t = TemperatureCorrection.Fit(logits[name], labels);
            temperatures[name] = t;
            CorrectionLog.TemperatureFitted(logger, name, t);
            if (TemperatureCorrection.AtBound(t) is double bound)
            {
                CorrectionLog.TemperatureAtBound(logger, name, t, bound);
            }
        }

        return new FittedTemperatures(temperatures, afterPriorCorrection, DataFingerprint.Of(heldOut));
    }

    /// <summary>Softmax probabilities of every head.</summary>
    /// <param name="prediction">Logits (raw or corrected).</param>
    /// <returns>Rows × classes probabilities keyed by head name.</returns>
    public static IReadOnlyDictionary<string, double[,]> Probabilities(MultiHeadPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return prediction.Logits.ToDictionary(p => p.Key, p => LogitMath.Softmax(p.Value), StringComparer.Ordinal);
    }
}
