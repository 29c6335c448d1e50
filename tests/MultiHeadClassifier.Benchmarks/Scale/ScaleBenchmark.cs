using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MultiHeadClassifier.Benchmarks.Scale;

/// <summary>What <c>--scale</c> runs: rows of the generated CSV, repetitions, parts, the CLI to run, a JSON file, and libtorch's threads and the shapes (W1, S40) for the throughput part.</summary>
internal sealed record ScaleSettings(long Rows, int Reps, string[] Only, FileInfo? Mhc, FileInfo? Json, int? Threads = null, string[]? Workloads = null);

/// <summary>
/// The targets of issue #13 on a generated CSV (40 float features, 8 heads of 5 classes): the built <c>mhc</c> CLI
/// trains one epoch and predicts probabilities as child processes under GNU time (wall time, peak RSS, and the CSV
/// ingest: process start to the CLI's "Training on" line, printed once the CSV is checked and converted); pandas'
/// <c>read_csv</c> of the same file when python3 has pandas; and training throughput from a data file against the
/// same rows in memory on W1's shapes and the CLI's. Each figure is printed next to its target.
/// </summary>
internal static partial class ScaleBenchmark
{
    private const double TrainRssTarget = 600;
    private const double PredictRssTarget = 400;
    private const double IngestTarget = 3.8;
    private const double ThroughputTarget = 0.9;
    private const long LargeRows = 10_000_000;
    private const long IssueRows = 1_000_000;
    private static readonly string[] Parts = ["train", "predict", "pandas", "throughput"];

    public static int Run(ScaleSettings settings)
    {
        var unknown = settings.Only.Where(p => !Parts.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0 || settings.Rows < 1 || settings.Reps < 1)
        {
            Console.Error.WriteLine($"--scale-only takes {string.Join(", ", Parts)} (got {string.Join(", ", unknown)}); --scale-rows and --reps must be at least 1.");
            return 2;
        }

        bool Wants(string part) => settings.Only.Length == 0 || settings.Only.Contains(part, StringComparer.OrdinalIgnoreCase);
        var total = Stopwatch.StartNew();
        string folder = Directory.CreateTempSubdirectory("mhc-scale-").FullName;
        var json = new JsonObject { ["rows"] = settings.Rows, ["machine"] = new JsonObject(Machine.Describe().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))) };
        var summary = new List<string>();
        try
        {
            Console.WriteLine($"Scale benchmark: {settings.Rows:N0} rows x {ScaleCsv.Features} features + {ScaleCsv.Heads} heads of {ScaleCsv.Classes} classes, in {folder}");
            if (Wants("train") || Wants("predict") || Wants("pandas"))
            {
                RunCli(settings, folder, Wants, json, summary);
            }

            if (Wants("throughput"))
            {
                if (settings.Threads is { } threads)
                {
                    TorchSharp.torch.set_num_threads(threads);
                }

                json["torch_num_threads"] = TorchSharp.torch.get_num_threads();
                var throughput = new JsonObject();
                foreach (var workload in new[] { new Workload("W1", 50_000, 256, [512, 256], 8, 5, 512), StreamingThroughput.CliShape(250_000) }
                    .Where(w => settings.Workloads is not { Length: > 0 } only || only.Contains(w.Name, StringComparer.OrdinalIgnoreCase)))
                {
                    var result = StreamingThroughput.Measure(workload, settings.Reps, epochs: 2, folder);
                    summary.Add(Line($"throughput from the file / in memory, {workload.Name}", Invariant($"{result.Ratio:F3} ({result.RatioMin:F3}-{result.RatioMax:F3}{(result.AllDisturbed ? ", disturbed" : string.Empty)}); CPU {result.CpuRatio:F3}"), $">= {ThroughputTarget:F2}", result.Ratio >= ThroughputTarget));
                    throughput[workload.Name] = new JsonObject
                    {
                        ["shape"] = workload.Describe(),
                        ["in_memory_samples_per_s"] = Math.Round(result.InMemory),
                        ["streamed_samples_per_s"] = Math.Round(result.Streamed),
                        ["ratio"] = Math.Round(result.Ratio, 4),
                        ["ratio_min"] = Math.Round(result.RatioMin, 4),
                        ["ratio_max"] = Math.Round(result.RatioMax, 4),
                        ["whole_fit_ratio"] = Math.Round(result.FitRatio, 4),
                        ["cpu_time_ratio"] = Math.Round(result.CpuRatio, 4),
                        ["cpu_time_ratio_min"] = Math.Round(result.CpuRatioMin, 4),
                        ["cpu_time_ratio_max"] = Math.Round(result.CpuRatioMax, 4),
                        ["tries"] = result.Tried,
                        ["all_disturbed"] = result.AllDisturbed,
                    };
                }

                json["throughput"] = throughput;
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine("Summary (figure, target, status)");
        foreach (var line in summary)
        {
            Console.WriteLine("  " + line);
        }

        json["total_seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        if (settings.Json is { } file)
        {
            File.WriteAllText(file.FullName, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
            Console.WriteLine($"Wrote {file.FullName}");
        }

        Console.WriteLine(Invariant($"Total time {total.Elapsed.TotalSeconds:F0} s"));
        return 0;
    }

    private static void RunCli(ScaleSettings settings, string folder, Func<string, bool> wants, JsonObject json, List<string> summary)
    {
        string csv = Path.Combine(folder, "scale.csv");
        var stopwatch = Stopwatch.StartNew();
        ScaleCsv.Write(csv, settings.Rows);
        double megabytes = new FileInfo(csv).Length / 1e6;
        Console.WriteLine(Invariant($"  generated {csv}: {megabytes:F0} MB in {stopwatch.Elapsed.TotalSeconds:F1} s"));
        json["csv_mb"] = Math.Round(megabytes, 1);
        double? pandasSeconds = null;
        if (wants("pandas"))
        {
            pandasSeconds = RunPandas(csv, json, summary);
        }

        if (!wants("train") && !wants("predict"))
        {
            return;
        }

        string mhc = LocateMhc(settings.Mhc);
        string model = Path.Combine(folder, "model");
        Console.WriteLine($"  mhc: {mhc}");
        var train = MeasuredProcess.Run("dotnet", [mhc, "train", "--train", csv, "--heads", string.Join(',', ScaleCsv.HeadNames), "--classes", ScaleCsv.Classes.ToString(CultureInfo.InvariantCulture), "--out", model, "--epochs", "1", "--batch-size", "512", "--seed", "1"]);
        Check(train, "mhc train");
        double? ingest = train.LineAt("Training on ")?.TotalSeconds;
        double? epochs = TrainingFinished().Match(train.Output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        Console.WriteLine(Invariant($"  mhc train --epochs 1 --batch-size 512: {train.Wall.TotalSeconds:F1} s wall; CSV ingest (start to 'Training on') {Format(ingest, "F1")} s; training {Format(epochs, "F1")} s; peak RSS {Format(train.PeakRssMegabytes, "F0")} MB"));
        json["train"] = new JsonObject { ["wall_s"] = Math.Round(train.Wall.TotalSeconds, 2), ["ingest_s"] = Round(ingest), ["training_s"] = Round(epochs), ["peak_rss_mb"] = Round(train.PeakRssMegabytes) };
        bool large = settings.Rows >= LargeRows;
        summary.Add(Line($"mhc train peak RSS ({settings.Rows:N0} rows)", $"{Format(train.PeakRssMegabytes, "F0")} MB", $"<= {TrainRssTarget:F0} MB{(large ? " (10M-row target)" : string.Empty)}", train.PeakRssMegabytes <= TrainRssTarget));
        // The ingest target is the issue's, for its 1M-row file; other sizes compare with pandas only.
        bool issueFile = settings.Rows == IssueRows;
        string ingestTarget = (issueFile ? Invariant($"<= {IngestTarget} s or ") : string.Empty)
            + (pandasSeconds is { } p ? Invariant($"<= pandas/2 = {p / 2:F1} s") : "(pandas not measured)");
        summary.Add(Line("mhc train CSV ingest", $"{Format(ingest, "F1")} s", ingestTarget, (issueFile && ingest <= IngestTarget) || (pandasSeconds is { } q && ingest <= q / 2)));
        if (!wants("predict"))
        {
            return;
        }

        string output = Path.Combine(folder, "predictions.csv");
        var predict = MeasuredProcess.Run("dotnet", [mhc, "predict", "--model", model, "--data", csv, "--out", output, "--output", "probabilities"]);
        Check(predict, "mhc predict");
        double outputMegabytes = new FileInfo(output).Length / 1e6;
        File.Delete(output);
        Console.WriteLine(Invariant($"  mhc predict --output probabilities: {predict.Wall.TotalSeconds:F1} s wall; peak RSS {Format(predict.PeakRssMegabytes, "F0")} MB; output {outputMegabytes:F0} MB"));
        json["predict"] = new JsonObject { ["wall_s"] = Math.Round(predict.Wall.TotalSeconds, 2), ["peak_rss_mb"] = Round(predict.PeakRssMegabytes), ["output_mb"] = Math.Round(outputMegabytes, 1) };
        summary.Add(Line("mhc predict peak RSS", $"{Format(predict.PeakRssMegabytes, "F0")} MB", $"<= {PredictRssTarget:F0} MB", predict.PeakRssMegabytes <= PredictRssTarget));
    }

    /// <summary>pandas' <c>read_csv</c> of the file, timed inside python; null (and "pandas not available") without pandas.</summary>
    private static double? RunPandas(string csv, JsonObject json, List<string> summary)
    {
        const string script = "import sys, time\ntry:\n    import pandas\nexcept ImportError:\n    print('no pandas'); sys.exit(3)\n"
            + "start = time.perf_counter()\nframe = pandas.read_csv(sys.argv[1])\nprint('read_csv', time.perf_counter() - start, pandas.__version__, len(frame))\n";
        // The python3 on PATH first, then the system's (a pyenv shim on PATH may hide the distribution's pandas).
        MeasuredRun run = new(3, TimeSpan.Zero, null, []);
        string? line = null;
        foreach (string python in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                run = MeasuredProcess.Run(python, ["-c", script, csv]);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                continue;
            }

            line = run.Lines.Select(l => l.Text).FirstOrDefault(t => t.StartsWith("read_csv ", StringComparison.Ordinal));
            if (run.ExitCode == 0 && line is not null)
            {
                break;
            }
        }

        if (run.ExitCode != 0 || line is null)
        {
            Console.WriteLine("  pandas not available");
            json["pandas"] = null;
            summary.Add("pandas not available");
            return null;
        }

        var fields = line.Split(' ');
        double seconds = double.Parse(fields[1], CultureInfo.InvariantCulture);
        Console.WriteLine(Invariant($"  pandas {fields[2]} read_csv: {seconds:F1} s; python peak RSS {Format(run.PeakRssMegabytes, "F0")} MB"));
        json["pandas"] = new JsonObject { ["version"] = fields[2], ["read_csv_s"] = Math.Round(seconds, 2), ["peak_rss_mb"] = Round(run.PeakRssMegabytes) };
        return seconds;
    }

    /// <summary>The given mhc.dll, or the CLI built in Release from this repository (built now, so that it is current).</summary>
    private static string LocateMhc(FileInfo? given)
    {
        if (given is not null)
        {
            return given.Exists ? given.FullName : throw new FileNotFoundException($"--mhc: '{given.FullName}' does not exist.");
        }

        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "MultiHeadClassifier.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException("Could not find the repository (MultiHeadClassifier.sln) above the harness; pass --mhc PATH/mhc.dll.");
        }

        string project = Path.Combine(root.FullName, "samples", "MultiHeadClassifier.Cli");
        Console.WriteLine("  building the mhc CLI (Release)");
        var build = MeasuredProcess.Run("dotnet", ["build", project, "-c", "Release", "-nologo", "-v", "q"]);
        Check(build, "dotnet build of the mhc CLI");
        string dll = Path.Combine(project, "bin", "Release", "net10.0", "mhc.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The build did not produce '{dll}'.");
    }

    private static void Check(MeasuredRun run, string what)
    {
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed with exit code {run.ExitCode}:{Environment.NewLine}{run.Output}");
        }
    }

    private static string Line(string what, string figure, string target, bool met) =>
        $"{what,-52} {figure,-28} target {target,-34} {(met ? "met" : "NOT met")}";

    private static string Format(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2) : null;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Training finished: \d+ epochs in ([\d.]+) s")]
    private static partial Regex TrainingFinished();
}
