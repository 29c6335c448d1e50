using System.CommandLine;
using MultiHeadClassifier.Cli.Reporting;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Evaluation;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary><c>mhc evaluate</c>: metrics of a model on labelled CSV data, as JSON and optionally an HTML report.</summary>
public static class EvaluateCommand
{
    /// <summary>Builds the command.</summary>
    /// <param name="context">Output writers.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var modelDir = new Option<string>("--model") { Description = "Model directory written by 'mhc train'.", Required = true };
        var data = new Option<string>("--data") { Description = "Labelled CSV with the model's feature and head columns.", Required = true };
        var json = new Option<string>("--json") { Description = "Output JSON file with per-head and mean metrics.", Required = true };
        var correction = new Option<string>("--correction") { Description = "none|prior|temperature|prior+temperature.", DefaultValueFactory = _ => "none" };
        var correctionData = new Option<string?>("--correction-data", "--calibration-data") { Description = "Labelled held-out CSV on which to fit temperatures (--calibration-data is the earlier name)." };
        var decision = new Option<string>("--decision") { Description = "argmax|median|expected-value (expected is the earlier name of expected-value).", DefaultValueFactory = _ => "argmax" };
        var report = new Option<string?>("--report") { Description = "Output self-contained HTML report." };
        var command = new Command("evaluate", "Evaluate a model on labelled CSV data.") { modelDir, data, json, correction, correctionData, decision, report };
        command.SetAction(p => Run(
            context,
            p.GetValue(modelDir)!,
            p.GetValue(data)!,
            p.GetValue(json)!,
            OptionParsers.Correction(p.GetValue(correction)!),
            p.GetValue(correctionData),
            p.GetValue(decision)!,
            p.GetValue(report)));
        return command;
    }

    private static int Run(CliContext context, string modelDir, string dataPath, string jsonPath, LogitCorrection correction, string? correctionDataPath, string decisionName, string? reportPath)
    {
        var rule = OptionParsers.Decision(decisionName);
        using var model = ModelDirectory.Load(modelDir);
        var (_, data) = ModelInputs.Read(model, dataPath, withLabels: true);
        ModelInputs.PrepareCorrection(model, correction, correctionDataPath, ProgressLogger.For(context));
        var report = ModelEvaluator.Evaluate(model.Model, data, correction, rule);
        WriteFile(jsonPath, report.ToJson());
        context.Stdout.WriteLine(report.ToTable());
        if (reportPath is not null)
        {
            var before = correction == LogitCorrection.None ? report : ModelEvaluator.Evaluate(model.Model, data, LogitCorrection.None, rule);
            WriteFile(reportPath, HtmlReport.Build(model.Model, before, report, correction, decisionName, Path.GetFileName(dataPath)));
        }

        context.Stdout.WriteLine($"Wrote {jsonPath}{(reportPath is null ? string.Empty : " and " + reportPath)}.");
        return 0;
    }

    private static void WriteFile(string path, string text)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, text);
    }
}
