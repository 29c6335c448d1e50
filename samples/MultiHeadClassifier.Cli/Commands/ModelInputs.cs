using Microsoft.Extensions.Logging;
using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>Shared steps of <c>evaluate</c> and <c>predict</c>: reading data for a model and preparing a correction.</summary>
public static class ModelInputs
{
    /// <summary>Reads a CSV file as the model's features (in the model's order), with labels if asked.</summary>
    /// <param name="model">The model directory.</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="withLabels">True to require and read one label column per head.</param>
    /// <returns>The table and the dataset.</returns>
    public static (CsvTable Table, MultiHeadDataset Data) Read(ModelDirectory model, string path, bool withLabels)
    {
        var table = CsvDataReader.Read(path);
        var features = CsvDataReader.Features(table, model.Features, model.Means);
        var labels = withLabels
            ? CsvDataReader.Labels(table, model.Heads.Select(h => h.Name).ToArray(), model.Heads.Select(h => h.ClassCount).ToArray())
            : null;
        return (table, new MultiHeadDataset(features, labels, labels is null ? null : model.Heads.Select(h => h.Name).ToArray()));
    }

    /// <summary>
    /// Makes a correction usable: for temperature correction, fits temperatures on the held-out data when given,
    /// otherwise uses the model's stored temperatures if they were fitted on the same basis.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="correction">The correction.</param>
    /// <param name="correctionDataPath">The held-out CSV for temperatures, or null.</param>
    /// <param name="logger">Receives the fit's warnings (a temperature at a search bound, a head without held-out labels); null for none.</param>
    /// <exception cref="CliException">Temperatures are needed but neither given nor stored.</exception>
    public static void PrepareCorrection(ModelDirectory model, LogitCorrection correction, string? correctionDataPath, ILogger? logger = null)
    {
        if (!correction.HasFlag(LogitCorrection.Temperature))
        {
            return;
        }

        bool afterPrior = correction.HasFlag(LogitCorrection.Prior);
        if (correctionDataPath is not null)
        {
            var (_, heldOut) = Read(model, correctionDataPath, withLabels: true);
            model.FitTemperatures(heldOut, afterPrior, logger);
            return;
        }

        if (model.Temperatures?.AfterPriorCorrection != afterPrior)
        {
            throw new CliException($"--correction {(afterPrior ? "prior+temperature" : "temperature")} needs --correction-data (the model stores no temperatures fitted on {(afterPrior ? "prior-corrected" : "raw")} logits).");
        }
    }

    /// <summary>
    /// Makes a decision rule usable: <c>thresholds</c> fits its cut points on the held-out data (after the
    /// correction is prepared, with the same correction); other rules are returned as they are.
    /// </summary>
    /// <param name="model">The model directory.</param>
    /// <param name="rule">The parsed <c>--decision</c>.</param>
    /// <param name="correction">The correction the decisions are made after.</param>
    /// <param name="correctionDataPath">The held-out CSV (<c>--correction-data</c>), or null.</param>
    /// <returns>The rule to decide with.</returns>
    /// <exception cref="CliException">The rule needs held-out data and none was given.</exception>
    public static DecisionRule PrepareDecision(ModelDirectory model, DecisionRule rule, LogitCorrection correction, string? correctionDataPath)
    {
        if (!rule.NeedsFitting)
        {
            return rule;
        }

        if (correctionDataPath is null)
        {
            throw new CliException($"--decision {rule.Name} needs --correction-data: held-out labelled rows to fit its cut points on.");
        }

        var (_, heldOut) = Read(model, correctionDataPath, withLabels: true);
        return model.FitThresholds(heldOut, correction);
    }
}
