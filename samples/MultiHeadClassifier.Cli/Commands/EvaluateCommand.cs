using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiHeadClassifier.Cli.Reporting;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Evaluation;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// <c>mhc evaluate</c>: metrics of a model on labelled CSV or Parquet data, as JSON and optionally an HTML report. With
/// <c>--model</c> given more than once, the models are compared side by side on the same data: the JSON becomes
/// <c>{"models": [{"model": "&lt;dir&gt;", "heads": {…}, "mean": {…}}, …]}</c>, each entry what the model alone would
/// give, and the report marks the best value of each metric.
/// </summary>
public static class EvaluateCommand
{
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <summary>Builds the command.</summary>
    /// <param name="context">Output writers.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var modelDirs = new Option<string[]>("--model")
        {
            Description = "Model directory written by 'mhc train'; give it more than once to compare models on the same data.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var data = new Option<string>("--data") { Description = "Labelled CSV or Parquet file (.parquet) with the model's feature and head columns.", Required = true };
        var json = new Option<string>("--json") { Description = "Output JSON file with per-head and mean metrics.", Required = true };
        var correction = new Option<string>("--correction") { Description = "none|prior|temperature|prior+temperature.", DefaultValueFactory = _ => "none" };
        var correctionData = new Option<string?>("--correction-data", "--calibration-data") { Description = "Labelled held-out CSV or Parquet file on which to fit temperatures (--calibration-data is the earlier name)." };
        var decision = new Option<string>("--decision") { Description = "argmax|median|expected-value|balanced|thresholds (expected is the earlier name of expected-value; thresholds needs --correction-data).", DefaultValueFactory = _ => "argmax" };
        var report = new Option<string?>("--report") { Description = "Output self-contained HTML report." };
        var minBinCount = new Option<int>("--min-bin-count")
        {
            Description = $"Reliability bins with fewer rows are drawn hollow in the report (default {HtmlReport.DefaultMinimumBinCount}).",
            DefaultValueFactory = _ => HtmlReport.DefaultMinimumBinCount,
        };
        var naValues = OptionParsers.NaValuesOption(train: false);
        var command = new Command("evaluate", "Evaluate a model, or compare models, on labelled CSV or Parquet data.") { modelDirs, data, json, correction, correctionData, decision, report, minBinCount, naValues };
        command.SetAction(p => Run(
            context,
            new EvaluateSettings(
                p.GetValue(modelDirs)!,
                p.GetValue(data)!,
                p.GetValue(json)!,
                OptionParsers.Correction(p.GetValue(correction)!),
                p.GetValue(correctionData),
                p.GetValue(decision)!,
                p.GetValue(report),
                p.GetValue(minBinCount),
                OptionParsers.NaValues(p.GetValue(naValues)))));
        return command;
    }

    private static int Run(CliContext context, EvaluateSettings settings)
    {
        var rule = OptionParsers.Decision(settings.Decision);
        if (settings.MinimumBinCount < 1)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--min-bin-count: {settings.MinimumBinCount} is not a number of rows (give 1 or more)."));
        }

        var models = new List<ModelDirectory>();
        try
        {
            foreach (string dir in settings.ModelDirs)
            {
                models.Add(ModelDirectory.Load(dir));
                models[^1].Missing = settings.NaValues ?? models[^1].Missing;
            }

            RequireSameHeads(settings.ModelDirs, models);
            var evaluated = models.Select((model, i) => Evaluate(context, settings, model, settings.ModelDirs[i], rule)).ToList();
            if (evaluated.Count == 1)
            {
                var (_, after, before) = evaluated[0];
                WriteFile(settings.JsonPath, after.ToJson());
                context.Stdout.WriteLine(after.ToTable());
                if (settings.ReportPath is not null)
                {
                    WriteFile(settings.ReportPath, HtmlReport.Build(models[0].Model, before!, after, settings.Correction, settings.Decision, Path.GetFileName(settings.DataPath), settings.MinimumBinCount));
                }
            }
            else
            {
                WriteFile(settings.JsonPath, ComparisonJson(evaluated.Select(e => (e.Name, e.After))));
                foreach (var (name, after, _) in evaluated)
                {
                    context.Stdout.WriteLine($"model {name}:");
                    context.Stdout.WriteLine(after.ToTable());
                }

                if (settings.ReportPath is not null)
                {
                    var compared = evaluated.Select((e, i) => new ComparedModel(e.Name, models[i].Model, e.Before!, e.After)).ToList();
                    WriteFile(settings.ReportPath, HtmlReport.BuildComparison(compared, settings.Correction, settings.Decision, Path.GetFileName(settings.DataPath), settings.MinimumBinCount));
                }
            }
        }
        finally
        {
            foreach (var model in models)
            {
                model.Dispose();
            }
        }

        context.Stdout.WriteLine($"Wrote {settings.JsonPath}{(settings.ReportPath is null ? string.Empty : " and " + settings.ReportPath)}.");
        return 0;
    }

    /// <summary>
    /// One model's evaluation after the correction and, when a report is asked for, without it: the data is checked
    /// in one streamed pass (the whole-file errors, in the same order), the correction and decision prepared, then the
    /// rows are read, scored and counted in chunks of <see cref="ModelInputs.ChunkRows"/>, so memory does not grow with the rows
    /// (adaptive ECE's per-row records go to a temporary file in sorted runs; see <see cref="HeadEvaluationAccumulator"/>).
    /// </summary>
    private static (string Name, EvaluationReport After, EvaluationReport? Before) Evaluate(CliContext context, EvaluateSettings settings, ModelDirectory model, string name, DecisionRule rule)
    {
        ModelInputs.Check(model, settings.DataPath, withLabels: true);
        ModelInputs.PrepareCorrection(model, settings.Correction, settings.CorrectionDataPath, ProgressLogger.For(context));
        rule = ModelInputs.PrepareDecision(model, rule, settings.Correction, settings.CorrectionDataPath);
        var after = new EvaluationAccumulator(model.Heads);
        var before = settings.ReportPath is not null && settings.Correction != LogitCorrection.None ? new EvaluationAccumulator(model.Heads) : null;
        DecisionRule RuleFor(string head) => rule.ForHead(model.Model, head);
        foreach (var chunk in ModelInputs.ReadChunks(model, settings.DataPath, ModelInputs.ChunkRows, withLabels: true))
        {
            after.Add(chunk, model.Probabilities(chunk, settings.Correction), RuleFor);
            if (before is not null)
            {
                before.Add(chunk, model.Probabilities(chunk, LogitCorrection.None), RuleFor);
            }
        }

        var afterReport = after.ToReport();
        var beforeReport = settings.ReportPath is null ? null : before?.ToReport() ?? afterReport;
        return (name, afterReport, beforeReport);
    }

    /// <summary>Models compared side by side must have the same heads, with the same class counts.</summary>
    private static void RequireSameHeads(IReadOnlyList<string> dirs, IReadOnlyList<ModelDirectory> models)
    {
        static string Describe(ModelDirectory m) => string.Join(", ", m.Model.Heads.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Name} (K={h.ClassCount})")));
        string first = Describe(models[0]);
        for (int i = 1; i < models.Count; i++)
        {
            var expected = models[0].Model.Heads.Select(h => (h.Name, h.ClassCount)).OrderBy(h => h.Name, StringComparer.Ordinal);
            var actual = models[i].Model.Heads.Select(h => (h.Name, h.ClassCount)).OrderBy(h => h.Name, StringComparer.Ordinal);
            if (!expected.SequenceEqual(actual))
            {
                throw new CliException($"--model {dirs[i]}: its heads {Describe(models[i])} differ from those of --model {dirs[0]}, {first}; models compared side by side need the same heads and class counts.");
            }
        }
    }

    /// <summary>
    /// <c>{"models": [{"model": name, "heads": …, "mean": …}, …]}</c>: each entry's "heads" and "mean" are exactly
    /// the single-model JSON of that model.
    /// </summary>
    private static string ComparisonJson(IEnumerable<(string Name, EvaluationReport Report)> models)
    {
        var array = new JsonArray();
        foreach (var (name, report) in models)
        {
            var single = JsonNode.Parse(report.ToJson())!.AsObject();
            var entry = new JsonObject { ["model"] = name };
            foreach (var (key, value) in single.ToList())
            {
                single.Remove(key);
                entry[key] = value;
            }

            array.Add(entry);
        }

        return new JsonObject { ["models"] = array }.ToJsonString(IndentedJson);
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

    private sealed record EvaluateSettings(
        string[] ModelDirs,
        string DataPath,
        string JsonPath,
        LogitCorrection Correction,
        string? CorrectionDataPath,
        string Decision,
        string? ReportPath,
        int MinimumBinCount,
        Input.MissingValues? NaValues);
}
