using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace MultiHeadClassifier.Serving;

/// <summary>
/// <c>mhc-serve --model model.onnx --data rows.csv --out scores.csv [--output probabilities|logits|labels] [--batch-size N]</c>:
/// scores every row of a CSV file with an exported model in ONNX Runtime, in input order.
/// </summary>
/// <remarks>
/// The model's metadata says which columns are features (<c>features</c>, written by <c>mhc export</c>; without
/// it the first <c>feature_count</c> columns are) and whether the graph imputes missing cells. Other columns are
/// ignored. Output columns are <c>&lt;head&gt;_&lt;class&gt;</c> (probabilities when the model has
/// <c>&lt;head&gt;_probabilities</c> outputs, the default then; otherwise logits) or <c>&lt;head&gt;</c> for labels
/// (the most probable class). Exit codes follow <c>mhc</c>: 0 on success, 2 for bad arguments or input (one
/// line on stderr naming the file, line and column), 1 for other failures.
/// </remarks>
internal static class ServingApp
{
    private const int UsageExitCode = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var options = ServingOptions.Parse(args);
            using var scorer = new OnnxScorer(options.Model);
            var timer = Stopwatch.StartNew();
            var (features, rows) = ReadFeatures(options.Data, scorer);
            var scores = scorer.Score(features, rows, options.BatchSize);
            WriteScores(options.Out, scorer, scores, rows, options.Output ?? (scorer.HasProbabilities ? "probabilities" : "logits"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Scored {rows} rows of {options.Data} with ONNX Runtime in {timer.Elapsed.TotalMilliseconds:F0} ms; wrote {options.Out}."));
            return 0;
        }
        catch (ServingException e)
        {
            stderr.WriteLine("error: " + e.Message);
            return UsageExitCode;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or OnnxRuntimeException or JsonException)
        {
            stderr.WriteLine("error: " + string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)));
            return UsageExitCode;
        }
        catch (IOException e)
        {
            stderr.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    /// <summary>The feature columns of every row, row-major, NaN for a missing cell when the graph imputes.</summary>
    private static (float[] Features, int Rows) ReadFeatures(string path, OnnxScorer scorer)
    {
        if (!File.Exists(path))
        {
            throw new ServingException($"{path}: file not found.");
        }

        using var reader = new StreamReader(path, Encoding.UTF8);
        string? headerLine = reader.ReadLine() ?? throw new ServingException($"{path}: the file is empty; line 1 must be a header.");
        string[] header = SplitLine(headerLine, path, 1);
        int[] columns = scorer.FeatureNames is { } names
            ? [.. names.Select(n => Array.IndexOf(header, n) is int i && i >= 0 ? i : throw new ServingException($"{path}: the header has no column '{n}', a feature of the model."))]
            : header.Length >= scorer.FeatureCount
                ? [.. Enumerable.Range(0, scorer.FeatureCount)]
                : throw new ServingException($"{path}: the header has {header.Length} columns, but the model needs {scorer.FeatureCount} features.");
        var values = new List<float>();
        int line = 1;
        int rows = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            string[] cells = SplitLine(text, path, line);
            foreach (int c in columns)
            {
                string cell = c < cells.Length ? cells[c].Trim() : string.Empty;
                if (cell.Length == 0 || cell.Equals("NaN", StringComparison.OrdinalIgnoreCase))
                {
                    values.Add(scorer.Imputes ? float.NaN : throw new ServingException($"{path} line {line}, column '{header[c]}': the cell is missing, and the model has no imputation (export it from a model trained with --missing-features mean)."));
                }
                else if (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v))
                {
                    values.Add(v);
                }
                else
                {
                    throw new ServingException($"{path} line {line}, column '{header[c]}': '{cell}' is not a finite float32 number.");
                }
            }

            rows++;
        }

        return ([.. values], rows);
    }

    /// <summary>Splits one CSV line on commas; a quoted cell may hold commas and doubled quotes.</summary>
    private static string[] SplitLine(string line, string path, int number)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"' && cell.Length == 0)
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(ch);
            }
        }

        if (quoted)
        {
            throw new ServingException($"{path} line {number}: a quote is never closed.");
        }

        cells.Add(cell.ToString());
        return [.. cells];
    }

    private static void WriteScores(string path, OnnxScorer scorer, Dictionary<string, float[]> scores, int rows, string kind)
    {
        string suffix = kind == "logits" ? string.Empty : "_probabilities";
        if (kind != "logits" && !scorer.HasProbabilities)
        {
            throw new ServingException($"--output {kind}: the model has no <head>_probabilities outputs; export it with a correction (mhc export --correction …) or use --output logits.");
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var header = scorer.Heads.SelectMany(h => kind == "labels" ? [h.Name] : Enumerable.Range(0, h.Classes).Select(c => $"{h.Name}_{c}"));
        writer.WriteLine(string.Join(',', header));
        var line = new StringBuilder();
        for (int r = 0; r < rows; r++)
        {
            line.Clear();
            foreach (var (name, classes) in scorer.Heads)
            {
                var row = scores[name + suffix].AsSpan(r * classes, classes);
                if (kind == "labels")
                {
                    int best = 0;
                    for (int c = 1; c < classes; c++)
                    {
                        best = row[c] > row[best] ? c : best;
                    }

                    line.Append(best.ToString(CultureInfo.InvariantCulture)).Append(',');
                }
                else
                {
                    foreach (float v in row)
                    {
                        line.Append(v.ToString("R", CultureInfo.InvariantCulture)).Append(',');
                    }
                }
            }

            writer.WriteLine(line.ToString(0, line.Length - 1));
        }
    }
}

/// <summary>A user error: one line on stderr, exit code 2.</summary>
internal sealed class ServingException(string message) : Exception(message);

/// <summary>The command line of <c>mhc-serve</c>.</summary>
internal sealed record ServingOptions(string Model, string Data, string Out, string? Output, int BatchSize)
{
    public static ServingOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] known = ["--model", "--data", "--out", "--output", "--batch-size"];
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!known.Contains(args[i]) || i + 1 >= args.Length)
            {
                throw new ServingException($"unexpected argument '{args[i]}'; usage: mhc-serve --model model.onnx --data rows.csv --out scores.csv [--output probabilities|logits|labels] [--batch-size N]");
            }

            values[args[i]] = args[i + 1];
        }

        string Required(string name) => values.TryGetValue(name, out string? v) ? v : throw new ServingException($"{name} is required.");
        string? output = values.GetValueOrDefault("--output");
        if (output is not null and not ("probabilities" or "logits" or "labels"))
        {
            throw new ServingException($"--output: '{output}' is not one of probabilities, logits, labels.");
        }

        int batch = 4096;
        if (values.TryGetValue("--batch-size", out string? text) && (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out batch) || batch < 1))
        {
            throw new ServingException($"--batch-size: '{text}' is not a positive integer.");
        }

        return new ServingOptions(Required("--model"), Required("--data"), Required("--out"), output, batch);
    }
}
