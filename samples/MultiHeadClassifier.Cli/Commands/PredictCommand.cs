using System.CommandLine;
using System.Globalization;
using MultiHeadClassifier.Cli.Output;
using MultiHeadClassifier.Cli.Reporting;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// <c>mhc predict</c>: writes labels, probabilities or logits for every row of a CSV or Parquet file, in input order, in chunks,
/// as CSV or, for an output path ending in <c>.parquet</c>, as Parquet. Scores are 32-bit floats: logits as the model
/// gives them, probabilities rounded from double to the nearest float; CSV prints each in its shortest round-trip form.
/// </summary>
public static class PredictCommand
{
    /// <summary>Builds the command.</summary>
    /// <param name="context">Output writers.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var modelDir = new Option<string>("--model") { Description = "Model directory written by 'mhc train'.", Required = true };
        var data = new Option<string>("--data") { Description = "CSV or Parquet file (.parquet) with the model's feature columns (head columns are ignored).", Required = true };
        var output = new Option<string>("--out") { Description = "Output file: CSV, or Parquet when it ends in .parquet.", Required = true };
        var kind = new Option<string>("--output") { Description = "labels (columns <head>), probabilities or logits (columns <head>_<class>).", DefaultValueFactory = _ => "labels" };
        var correction = new Option<string>("--correction") { Description = "none|prior|temperature|prior+temperature.", DefaultValueFactory = _ => "none" };
        var correctionData = new Option<string?>("--correction-data", "--calibration-data") { Description = "Labelled held-out CSV or Parquet file on which to fit temperatures (--calibration-data is the earlier name)." };
        var decision = new Option<string>("--decision") { Description = "argmax|median|expected-value|balanced|thresholds (for labels; expected is the earlier name of expected-value; thresholds needs --correction-data).", DefaultValueFactory = _ => "argmax" };
        var naValues = OptionParsers.NaValuesOption(train: false);
        kind.AcceptOnlyFromAmong("labels", "probabilities", "logits");
        var command = new Command("predict", "Predict every row of a CSV or Parquet file.") { modelDir, data, output, kind, correction, correctionData, decision, naValues };
        command.SetAction(p => Run(
            context,
            p.GetValue(modelDir)!,
            p.GetValue(data)!,
            p.GetValue(output)!,
            p.GetValue(kind)!,
            OptionParsers.Correction(p.GetValue(correction)!),
            p.GetValue(correctionData),
            OptionParsers.Decision(p.GetValue(decision)!),
            OptionParsers.NaValues(p.GetValue(naValues))));
        return command;
    }

    /// <summary>
    /// Checks the data in one streamed pass, prepares the correction and decision, then reads, scores and writes the
    /// rows in chunks of <see cref="ModelInputs.ChunkRows"/>, in input order, into a temporary file moved into place at the end:
    /// memory does not grow with the rows, and a failure leaves no output file.
    /// </summary>
    private static int Run(CliContext context, string modelDir, string dataPath, string outPath, string kind, LogitCorrection correction, string? correctionDataPath, DecisionRule rule, Input.MissingValues? naValues)
    {
        using var model = ModelDirectory.Load(modelDir);
        model.Missing = naValues ?? model.Missing;
        long rowCount = ModelInputs.CheckFeatures(model, dataPath);
        ModelInputs.PrepareCorrection(model, correction, correctionDataPath, ProgressLogger.For(context));
        rule = ModelInputs.PrepareDecision(model, rule, correction, correctionDataPath);
        IPredictionWriter? output = null;
        try
        {
            foreach (var data in ModelInputs.ReadChunks(model, dataPath, ModelInputs.ChunkRows))
            {
                var columns = kind switch
                {
                    "labels" => LabelColumns(model, model.Probabilities(data, correction), rule),
                    "probabilities" => ProbabilityColumns(model.Heads, model.Probabilities(data, correction)),
                    _ => LogitColumns(model.Heads, model.Outputs(data, correction)),
                };
                if (output is null)
                {
                    string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
                    if (dir is not null)
                    {
                        Directory.CreateDirectory(dir);
                    }

                    output = Input.TabularInput.IsParquet(outPath) ? new ParquetPredictionWriter(outPath) : new CsvPredictionWriter(outPath);
                }

                output.WriteChunk(columns, data.RowCount);
            }

            output?.Commit();
        }
        finally
        {
            output?.Dispose();
        }

        context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {rowCount} rows of {kind} to {outPath}."));
        return 0;
    }

    /// <summary>One column per head, <c>&lt;head&gt;</c>: the class the rule picks, as an integer.</summary>
    private static List<PredictionColumn> LabelColumns(ModelDirectory model, IReadOnlyDictionary<string, double[,]> probabilities, DecisionRule rule) =>
        [.. model.Heads.Select(head => new PredictionColumn(head.Name, rule.ForHead(model.Model, head.Name).Decide(probabilities[head.Name]), null))];

    /// <summary>
    /// One column per head and class, <c>&lt;head&gt;_&lt;class&gt;</c>, of 32-bit floats: probabilities, computed in
    /// double and rounded to the nearest float (at most half a float ulp away: a relative error below 6e-8), or the
    /// float logits as they are. A CORN or CORAL head's logits that are still its raw threshold outputs (no
    /// correction turned them into class logits) are K−1 columns <c>&lt;head&gt;_t&lt;k&gt;</c>.
    /// </summary>
    private static List<PredictionColumn> ProbabilityColumns(IReadOnlyList<HeadDefinition> heads, IReadOnlyDictionary<string, double[,]> probabilities) =>
        ScoreColumns(heads, heads.ToDictionary(h => h.Name, h => ToFloat(probabilities[h.Name]), StringComparer.Ordinal), _ => false);

    private static List<PredictionColumn> LogitColumns(IReadOnlyList<HeadDefinition> heads, MultiHeadPrediction logits) =>
        ScoreColumns(heads, heads.ToDictionary(h => h.Name, h => logits[h.Name], StringComparer.Ordinal), head => logits.Kinds[head] != HeadLoss.CrossEntropy);

    private static List<PredictionColumn> ScoreColumns(IReadOnlyList<HeadDefinition> heads, IReadOnlyDictionary<string, float[,]> matrix, Func<string, bool> isThresholdOutput)
    {
        var columns = new List<PredictionColumn>();
        foreach (var head in heads)
        {
            var m = matrix[head.Name];
            bool thresholds = isThresholdOutput(head.Name);
            for (int c = 0; c < m.GetLength(1); c++)
            {
                var scores = new float[m.GetLength(0)];
                for (int r = 0; r < scores.Length; r++)
                {
                    scores[r] = m[r, c];
                }

                string name = thresholds ? $"{head.Name}_t{c}" : $"{head.Name}_{c}";
                columns.Add(new PredictionColumn(name, null, scores));
            }
        }

        return columns;
    }

    /// <summary>Each value rounded to the nearest 32-bit float (ties to even).</summary>
    private static float[,] ToFloat(double[,] values)
    {
        var result = new float[values.GetLength(0), values.GetLength(1)];
        for (int r = 0; r < values.GetLength(0); r++)
        {
            for (int c = 0; c < values.GetLength(1); c++)
            {
                result[r, c] = (float)values[r, c];
            }
        }

        return result;
    }
}
