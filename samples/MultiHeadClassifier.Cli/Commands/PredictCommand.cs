using System.CommandLine;
using System.Globalization;
using System.Text;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Decisions;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary><c>mhc predict</c>: writes labels, probabilities or logits for every row of a CSV file, in input order.</summary>
public static class PredictCommand
{
    /// <summary>Builds the command.</summary>
    /// <param name="context">Output writers.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var modelDir = new Option<string>("--model") { Description = "Model directory written by 'mhc train'.", Required = true };
        var data = new Option<string>("--data") { Description = "CSV with the model's feature columns (head columns are ignored).", Required = true };
        var output = new Option<string>("--out") { Description = "Output CSV.", Required = true };
        var kind = new Option<string>("--output") { Description = "labels (columns <head>), probabilities or logits (columns <head>_<class>).", DefaultValueFactory = _ => "labels" };
        var correction = new Option<string>("--correction") { Description = "none|prior|temperature|prior+temperature.", DefaultValueFactory = _ => "none" };
        var calibration = new Option<string?>("--calibration-data") { Description = "Labelled CSV on which to fit temperatures." };
        var decision = new Option<string>("--decision") { Description = "argmax|median|expected (for labels).", DefaultValueFactory = _ => "argmax" };
        kind.AcceptOnlyFromAmong("labels", "probabilities", "logits");
        var command = new Command("predict", "Predict every row of a CSV file.") { modelDir, data, output, kind, correction, calibration, decision };
        command.SetAction(p => Run(
            context,
            p.GetValue(modelDir)!,
            p.GetValue(data)!,
            p.GetValue(output)!,
            p.GetValue(kind)!,
            OptionParsers.Correction(p.GetValue(correction)!),
            p.GetValue(calibration),
            OptionParsers.Decision(p.GetValue(decision)!)));
        return command;
    }

    private static int Run(CliContext context, string modelDir, string dataPath, string outPath, string kind, LogitCorrection correction, string? calibrationPath, DecisionRule rule)
    {
        using var model = ModelDirectory.Load(modelDir);
        var (_, data) = ModelInputs.Read(model, dataPath, withLabels: false);
        ModelInputs.PrepareCorrection(model, correction, calibrationPath);
        var logits = ModelCorrections.Apply(model.Model, model.Model.Predict(data), correction);
        var heads = model.Model.Heads;
        var columns = new List<string>();
        var values = new List<Func<int, string>>();
        if (kind == "labels")
        {
            var probabilities = ModelCorrections.Probabilities(logits);
            foreach (var head in heads)
            {
                int[] labels = rule.Decide(probabilities[head.Name]);
                columns.Add(head.Name);
                values.Add(r => labels[r].ToString(CultureInfo.InvariantCulture));
            }
        }
        else
        {
            IReadOnlyDictionary<string, double[,]> matrix = kind == "probabilities"
                ? ModelCorrections.Probabilities(logits)
                : heads.ToDictionary(h => h.Name, h => ToDouble(logits[h.Name]), StringComparer.Ordinal);
            foreach (var head in heads)
            {
                var m = matrix[head.Name];
                for (int c = 0; c < head.ClassCount; c++)
                {
                    int k = c;
                    columns.Add(string.Create(CultureInfo.InvariantCulture, $"{head.Name}_{c}"));
                    values.Add(r => m[r, k].ToString("R", CultureInfo.InvariantCulture));
                }
            }
        }

        var text = new StringBuilder();
        text.AppendLine(string.Join(",", columns.Select(Quote)));
        for (int r = 0; r < data.RowCount; r++)
        {
            text.AppendLine(string.Join(",", values.Select(v => v(r))));
        }

        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(outPath, text.ToString());
        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {data.RowCount} rows of {kind} to {outPath}."));
        return 0;
    }

    private static double[,] ToDouble(float[,] values)
    {
        var result = new double[values.GetLength(0), values.GetLength(1)];
        for (int r = 0; r < values.GetLength(0); r++)
        {
            for (int c = 0; c < values.GetLength(1); c++)
            {
                result[r, c] = values[r, c];
            }
        }

        return result;
    }

    private static string Quote(string name) =>
        name.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : name;
}
