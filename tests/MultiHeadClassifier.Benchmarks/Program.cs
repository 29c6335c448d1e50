using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiHeadClassifier.Benchmarks;
using static TorchSharp.torch;

// Performance harness: the library's trainer against a hand-written TorchSharp loop, a matmul roofline, memory
// stability over a long fit, and Predict throughput, all in one process.
//
//   dotnet run -c Release --project tests/MultiHeadClassifier.Benchmarks -- [--quick] [--json FILE] [--threads N]
//   dotnet run -c Release --project tests/MultiHeadClassifier.Benchmarks -- --quality DIR --heads a,b,c [--seeds 5] [--threads N] [--recipe NAME]...
//   dotnet run -c Release --project tests/MultiHeadClassifier.Benchmarks -- --scale [--scale-rows N] [--scale-only train,predict,pandas,throughput]
var jsonOption = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file." };
var quickOption = new Option<bool>("--quick") { Description = "Fewer rows, repetitions and epochs (finishes in under 2 minutes)." };
var threadsOption = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: libtorch's choice; with --quality, 1)." };
var repsOption = new Option<int?>("--reps") { Description = "Timed repetitions per measurement; the median is reported (default 5, quick 3)." };
var onlyOption = new Option<string[]>("--only") { Description = "Run only these workloads (W1, W2, W3; with --scale, W1 or S40); memory and inference need W1.", AllowMultipleArgumentsPerToken = true };
var onnxOption = new Option<bool>("--onnx") { Description = "Also time W1's model exported to ONNX in ONNX Runtime, against Predict on the same rows." };
var inferenceOnlyOption = new Option<bool>("--inference-only") { Description = "Skip the training measurements: train W1's model for one epoch, then time Predict (and ONNX Runtime with --onnx) only." };
var qualityOption = new Option<DirectoryInfo?>("--quality") { Description = "Instead of speed: model quality on DIR/train.csv, valid.csv and test.csv (the CLI's CSV format), per recipe over seeds." };
var headsOption = new Option<string>("--heads") { Description = "With --quality: the comma-separated head columns.", DefaultValueFactory = _ => string.Empty };
var seedsOption = new Option<int>("--seeds") { Description = "With --quality: seeds 0..N-1.", DefaultValueFactory = _ => 5 };
var recipeOption = new Option<string[]>("--recipe") { Description = "With --quality: run only this recipe (its exact name; repeat the flag for more); the reference 'CE weighted' always runs.", AllowMultipleArgumentsPerToken = false };
var scaleOption = new Option<bool>("--scale") { Description = "Instead of the workloads: issue #13's targets on a generated CSV (mhc train and predict under /usr/bin/time -v, pandas read_csv, streaming vs in-memory training throughput)." };
var scaleRowsOption = new Option<long>("--scale-rows") { Description = "With --scale: rows of the generated CSV (default 1,000,000; e.g. 10000000 for the 10M-row memory target).", DefaultValueFactory = _ => 1_000_000 };
var scaleOnlyOption = new Option<string[]>("--scale-only") { Description = "With --scale: run only these parts: train, predict, pandas, throughput.", AllowMultipleArgumentsPerToken = true };
var mhcOption = new Option<FileInfo?>("--mhc") { Description = "With --scale: the mhc.dll to run (default: build samples/MultiHeadClassifier.Cli in Release)." };
var root = new RootCommand("MultiHeadClassifier performance and quality benchmarks") { jsonOption, quickOption, threadsOption, repsOption, onlyOption, onnxOption, inferenceOnlyOption, qualityOption, headsOption, seedsOption, recipeOption, scaleOption, scaleRowsOption, scaleOnlyOption, mhcOption };
root.SetAction(parseResult => parseResult.GetValue(qualityOption) is { } quality
    ? MultiHeadClassifier.Benchmarks.Quality.QualityBenchmark.Run(quality, parseResult.GetValue(headsOption)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), parseResult.GetValue(seedsOption), parseResult.GetValue(threadsOption), parseResult.GetValue(recipeOption) ?? [])
    : parseResult.GetValue(scaleOption)
    ? MultiHeadClassifier.Benchmarks.Scale.ScaleBenchmark.Run(new MultiHeadClassifier.Benchmarks.Scale.ScaleSettings(
        parseResult.GetValue(scaleRowsOption),
        parseResult.GetValue(repsOption) ?? 5,
        [.. (parseResult.GetValue(scaleOnlyOption) ?? []).SelectMany(p => p.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))],
        parseResult.GetValue(mhcOption),
        parseResult.GetValue(jsonOption),
        parseResult.GetValue(threadsOption),
        parseResult.GetValue(onlyOption)))
    : Bench.Run(new BenchSettings(
    parseResult.GetValue(quickOption),
    parseResult.GetValue(jsonOption),
    parseResult.GetValue(threadsOption),
    parseResult.GetValue(repsOption),
    parseResult.GetValue(onlyOption) ?? [],
    parseResult.GetValue(onnxOption),
    parseResult.GetValue(inferenceOnlyOption))));
return root.Parse(args).Invoke();

internal sealed record BenchSettings(bool Quick, FileInfo? Json, int? Threads, int? Reps, string[] Only, bool Onnx = false, bool InferenceOnly = false);

internal static class Bench
{
    private const int Seed = 1;
    private const int TimedEpochs = 2;

    public static int Run(BenchSettings settings)
    {
        var total = Stopwatch.StartNew();
        if (settings.Threads is { } threads)
        {
            set_num_threads(threads);
        }

        int reps = settings.Reps ?? (settings.Quick ? 3 : 5);
        int memoryEpochs = settings.Quick ? 6 : 20;
        var workloads = new[]
        {
            new Workload("W1", settings.Quick ? 20_000 : 50_000, 256, [512, 256], 8, 5, 512),
            new Workload("W2", settings.Quick ? 5_000 : 20_000, 32, [64, 64], 4, 5, 64),
            new Workload("W3", settings.Quick ? 5_000 : 20_000, 32, [64, 64], 32, 5, 64),
        };

        var machine = Machine.Describe();
        Console.WriteLine("MultiHeadClassifier benchmarks" + (settings.Quick ? " (quick)" : string.Empty));
        foreach (var (key, value) in machine)
        {
            Console.WriteLine($"  {key,-22} {value}");
        }

        Console.WriteLine($"  {"repetitions",-22} {reps} (median reported), {TimedEpochs} timed epochs each after 1 warm-up epoch");
        Console.WriteLine();

        var rooflineRuns = MeasureRoofline("at start", reps);
        double roofline = Stats.Median(rooflineRuns);
        Console.WriteLine();

        var json = new JsonObject
        {
            ["machine"] = new JsonObject(machine.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
            ["quick"] = settings.Quick,
            ["repetitions"] = reps,
            ["timed_epochs"] = TimedEpochs,
            ["roofline_gflops_start_runs"] = ToArray(rooflineRuns),
            ["quiet_threshold_foreign_cores"] = Repeater.QuietThreshold,
        };

        var results = new List<WorkloadResult>();
        var extraJson = new Dictionary<string, JsonObject>();
        double w1TrainSamplesPerSecond = 0;
        foreach (var workload in workloads.Where(w => settings.Only.Length == 0 || settings.Only.Contains(w.Name, StringComparer.OrdinalIgnoreCase)))
        {
            Console.WriteLine(workload.Describe());
            var data = WorkloadData.Create(workload, Seed);
            if (settings.InferenceOnly)
            {
                if (workload.Name == "W1")
                {
                    using var trained = new LibraryRun(workload, data, Seed);
                    var (epoch, _, _) = trained.Train(1);
                    double trainRate = workload.Rows / epoch.TotalSeconds;
                    json["inference"] = MeasureInference(trained, data.Features, reps, trainRate, roofline, workload);
                    if (settings.Onnx)
                    {
                        json["onnx"] = MeasureOnnx(trained, data.Features, reps, workload);
                    }
                }

                continue;
            }

            using var hand = new HandLoop(workload, data, Seed);
            using var library = new LibraryRun(workload, data, Seed);
            var result = Measure(workload, hand, library, reps, roofline);
            results.Add(result);
            var workloadJson = new JsonObject();
            var breakdown = StepBreakdown.Measure(library, workload, settings.Quick ? 40 : 100);
            double stepMicroseconds = breakdown.Sum(p => p.Microseconds);
            double handStepMicroseconds = 1e6 * workload.BatchSize / result.HandSamplesPerSecond;
            Console.WriteLine(Invariant($"  library step breakdown (us per step; hand loop's whole step ~{handStepMicroseconds:F0} us): ") +
                string.Join(", ", breakdown.Select(p => Invariant($"{p.Phase} {p.Microseconds:F0}"))) + Invariant($"; total {stepMicroseconds:F0}"));
            workloadJson["library_step_breakdown_us"] = new JsonObject(breakdown.Select(p => KeyValuePair.Create(p.Phase, (JsonNode?)JsonValue.Create(Round(p.Microseconds)))));
            workloadJson["hand_step_us"] = Round(handStepMicroseconds);
            extraJson[workload.Name] = workloadJson;
            if (workload.Name == "W1")
            {
                w1TrainSamplesPerSecond = result.LibrarySamplesPerSecond;
                json["memory"] = MeasureMemory(library, memoryEpochs);
                json["inference"] = MeasureInference(library, data.Features, reps, w1TrainSamplesPerSecond, roofline, workload);
                if (settings.Onnx)
                {
                    json["onnx"] = MeasureOnnx(library, data.Features, reps, workload);
                }
            }

            Console.WriteLine();
        }

        // The roofline is a peak, so the better of the two measurements counts: a co-tenant busy at one of them
        // lowers that one only.
        var rooflineEndRuns = MeasureRoofline("at end", reps);
        roofline = Math.Max(roofline, Stats.Median(rooflineEndRuns));
        json["roofline_gflops"] = Round(roofline);
        json["roofline_gflops_end_runs"] = ToArray(rooflineEndRuns);
        Console.WriteLine(Invariant($"Roofline used (the better median): {roofline:F1} GFLOP/s"));
        Console.WriteLine();
        results = results.Select(r => r with { Roofline = roofline }).ToList();
        foreach (var r in results)
        {
            var workloadJson = r.ToJson();
            foreach (var (key, value) in extraJson[r.Workload.Name].ToList())
            {
                extraJson[r.Workload.Name].Remove(key);
                workloadJson[key] = value;
            }

            json[r.Workload.Name] = workloadJson;
        }

        if (json["inference"] is JsonObject inference)
        {
            inference["predict_roofline_percent"] = Round(100 * inference["predict_gflops"]!.GetValue<double>() / roofline);
        }

        PrintSummary(results);
        json["total_seconds"] = Round(total.Elapsed.TotalSeconds);
        if (settings.Json is { } file)
        {
            File.WriteAllText(file.FullName, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
            Console.WriteLine($"Wrote {file.FullName}");
        }

        Console.WriteLine(Invariant($"Total time {total.Elapsed.TotalSeconds:F0} s"));
        return 0;
    }

    private static WorkloadResult Measure(Workload workload, HandLoop hand, LibraryRun library, int reps, double roofline)
    {
        var warmHand = hand.Train(1);
        var warmLibrary = library.Train(1);
        Console.WriteLine(Invariant($"  warm-up epoch: hand {warmHand.Elapsed.TotalSeconds:F2} s, library {warmLibrary.FitTime.TotalSeconds:F2} s (Fit incl. setup)"));
        double samples = (double)workload.Rows * TimedEpochs;
        var runs = Repeater.Run(reps, attempt =>
        {
            // Alternate the order so that drift in machine speed does not favour one side.
            TimeSpan handTime;
            (TimeSpan EpochTime, TimeSpan FitTime, double LastLoss) lib;
            if (attempt % 2 == 0)
            {
                handTime = hand.Train(TimedEpochs).Elapsed;
                lib = library.Train(TimedEpochs);
            }
            else
            {
                lib = library.Train(TimedEpochs);
                handTime = hand.Train(TimedEpochs).Elapsed;
            }

            var pair = new PairedRun(samples / handTime.TotalSeconds, samples / lib.EpochTime.TotalSeconds, samples / lib.FitTime.TotalSeconds);
            Console.WriteLine(Invariant($"  try {attempt + 1}: hand {pair.Hand,9:N0} samples/s   library {pair.Library,9:N0} samples/s (whole Fit {pair.LibraryFit:N0})   ratio {pair.Library / pair.Hand:F2}"));
            return pair;
        });
        var handRates = runs.Used.Select(r => r.Value.Hand).ToList();
        var libraryRates = runs.Used.Select(r => r.Value.Library).ToList();
        var libraryFitRates = runs.Used.Select(r => r.Value.LibraryFit).ToList();
        Console.WriteLine(Invariant($"  used {runs.Used.Count} of {runs.Tried} tries{(runs.AllDisturbed ? " (ALL DISTURBED: another process was busy; figures unreliable)" : " (the quiet ones)")}; foreign load per used try: {string.Join(", ", runs.Used.Select(r => r.ForeignCores.ToString("F2", CultureInfo.InvariantCulture)))} cores"));
        var result = new WorkloadResult(workload, handRates, libraryRates, libraryFitRates, roofline, runs.Tried, runs.AllDisturbed);
        Console.WriteLine(Invariant($"  median: hand {result.HandSamplesPerSecond:N0}, library {result.LibrarySamplesPerSecond:N0} samples/s, ratio {result.Ratio:F2} (median of paired ratios {result.PairedRatio:F2}), library {result.LibraryGflops:F2} GFLOP/s"));
        return result;
    }

    private static List<double> MeasureRoofline(string when, int reps)
    {
        var roof = Roofline.Measure(reps + 2);
        var runs = roof.Used.Select(r => r.Value).ToList();
        Console.WriteLine(Invariant($"Roofline {when}: 2048x2048 fp32 matmul = {Stats.Median(runs):F1} GFLOP/s (median of {runs.Count} of {roof.Tried} runs{(roof.AllDisturbed ? ", ALL DISTURBED" : ", the quiet ones")}; min {runs.Min():F1}, max {runs.Max():F1})"));
        return runs;
    }

    private static JsonObject MeasureMemory(LibraryRun library, int epochs)
    {
        Console.WriteLine($"  memory: {epochs} more epochs of the W1 library model");
        var probe = new MemoryProbe();
        var meter = new CpuMeter();
        library.Train(epochs, probe);
        double foreign = meter.ForeignCores();
        for (int e = 0; e < probe.RssMegabytes.Count; e++)
        {
            Console.WriteLine(Invariant($"    epoch {e + 1,2}: RSS {probe.RssMegabytes[e],8:F1} MB   live tensors {probe.LiveTensors[e],6}   managed heap {probe.ManagedMegabytes[e],7:F1} MB"));
        }

        double rssGrowth = Growth(probe.RssMegabytes);
        double tensorGrowth = Growth(probe.LiveTensors.Select(v => (double)v).ToList());
        Console.WriteLine(Invariant($"    growth after epoch 2: RSS {rssGrowth:F2}%, live tensors {tensorGrowth:F2}%"));
        return new JsonObject
        {
            ["epochs"] = epochs,
            ["foreign_cores"] = Round(foreign),
            ["rss_mb_per_epoch"] = ToArray(probe.RssMegabytes),
            ["live_tensors_per_epoch"] = new JsonArray(probe.LiveTensors.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["managed_mb_per_epoch"] = ToArray(probe.ManagedMegabytes),
            ["rss_growth_after_epoch2_percent"] = Round(rssGrowth),
            ["live_tensors_growth_after_epoch2_percent"] = Round(tensorGrowth),
        };
    }

    private static JsonObject MeasureInference(LibraryRun library, float[,] features, int reps, double trainRate, double roofline, Workload workload)
    {
        using var featureTensor = tensor(library.Data.Features.ToArray(), [workload.Rows, workload.Features]);
        library.Model.Predict(features);
        library.Model.PredictTensors(featureTensor).Dispose();
        var runs = Repeater.Run(reps, _ =>
        {
            var stopwatch = Stopwatch.StartNew();
            library.Model.Predict(features);
            double array = workload.Rows / stopwatch.Elapsed.TotalSeconds;
            stopwatch.Restart();
            library.Model.Predict(library.Data);
            double dataset = workload.Rows / stopwatch.Elapsed.TotalSeconds;
            stopwatch.Restart();
            library.Model.PredictTensors(featureTensor).Dispose();
            return (Array: array, Dataset: dataset, Tensors: workload.Rows / stopwatch.Elapsed.TotalSeconds);
        });
        var arrayRates = runs.Used.Select(r => r.Value.Array).ToList();
        var datasetRates = runs.Used.Select(r => r.Value.Dataset).ToList();
        double predictTensors = Stats.Median(runs.Used.Select(r => r.Value.Tensors).ToList());
        double predict = Stats.Median(arrayRates);
        double predictDataset = Stats.Median(datasetRates);
        double gflops = predict * workload.InferenceFlopsPerSample / 1e9;
        Console.WriteLine(Invariant($"  inference: Predict(float[,]) {predict:N0} samples/s, Predict(MultiHeadDataset) {predictDataset:N0}, PredictTensors(one tensor) {predictTensors:N0} samples/s; {predict / trainRate:F2}x training ({trainRate:N0}); {gflops:F2} GFLOP/s"));
        return new JsonObject
        {
            ["predict_samples_per_s"] = Round(predict),
            ["predict_dataset_samples_per_s"] = Round(predictDataset),
            ["predict_tensors_samples_per_s"] = Round(predictTensors),
            ["train_samples_per_s"] = Round(trainRate),
            ["predict_over_train"] = Round(predict / trainRate),
            ["predict_gflops"] = Round(gflops),
            ["predict_samples_per_s_runs"] = ToArray(arrayRates),
            ["all_disturbed"] = runs.AllDisturbed,
        };
    }

    /// <summary>
    /// ONNX Runtime on the exported W1 model against Predict, alternating in each repetition, same rows, same
    /// thread count (libtorch's), both returning one [rows, K] array per head.
    /// </summary>
    private static JsonObject MeasureOnnx(LibraryRun library, float[,] features, int reps, Workload workload)
    {
        int threads = get_num_threads();
        using var onnx = new OnnxInference(library.Model, threads);
        var check = onnx.Score(features);
        var predicted = library.Model.Predict(features);
        double worst = library.Model.Heads.Select((h, i) => MaxDifference(check[i], predicted[h.Name])).Max();
        var runs = Repeater.Run(reps, attempt =>
        {
            var stopwatch = Stopwatch.StartNew();
            double predict = 0;
            double ort = 0;
            if (attempt % 2 == 0)
            {
                library.Model.Predict(features);
                predict = workload.Rows / stopwatch.Elapsed.TotalSeconds;
                stopwatch.Restart();
                onnx.Score(features);
                ort = workload.Rows / stopwatch.Elapsed.TotalSeconds;
            }
            else
            {
                onnx.Score(features);
                ort = workload.Rows / stopwatch.Elapsed.TotalSeconds;
                stopwatch.Restart();
                library.Model.Predict(features);
                predict = workload.Rows / stopwatch.Elapsed.TotalSeconds;
            }

            Console.WriteLine(Invariant($"    onnx try {attempt + 1}: Predict {predict,9:N0} samples/s   ONNX Runtime {ort,9:N0} samples/s   ratio {ort / predict:F2}"));
            return (Predict: predict, Onnx: ort);
        });
        double predictRate = Stats.Median(runs.Used.Select(r => r.Value.Predict).ToList());
        double onnxRate = Stats.Median(runs.Used.Select(r => r.Value.Onnx).ToList());
        double paired = Stats.Median(runs.Used.Select(r => r.Value.Onnx / r.Value.Predict).ToList());
        Console.WriteLine(Invariant($"  onnx: ONNX Runtime {Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString()} {onnxRate:N0} samples/s vs Predict {predictRate:N0} (ratio {onnxRate / predictRate:F2}, paired {paired:F2}; {threads} threads each; file {onnx.FileBytes / 1e6:F1} MB; largest |logit difference| {worst:G3})"));
        return new JsonObject
        {
            ["onnx_samples_per_s"] = Round(onnxRate),
            ["predict_samples_per_s"] = Round(predictRate),
            ["onnx_over_predict"] = Round(onnxRate / predictRate),
            ["paired_ratio"] = Round(paired),
            ["threads"] = threads,
            ["file_bytes"] = onnx.FileBytes,
            ["max_abs_logit_difference"] = worst,
            ["onnx_samples_per_s_runs"] = ToArray(runs.Used.Select(r => r.Value.Onnx)),
            ["predict_samples_per_s_runs"] = ToArray(runs.Used.Select(r => r.Value.Predict)),
            ["all_disturbed"] = runs.AllDisturbed,
        };
    }

    private static double MaxDifference(float[,] a, float[,] b)
    {
        double worst = 0;
        for (int r = 0; r < a.GetLength(0); r++)
        {
            for (int c = 0; c < a.GetLength(1); c++)
            {
                worst = Math.Max(worst, Math.Abs(a[r, c] - b[r, c]));
            }
        }

        return worst;
    }

    private static void PrintSummary(List<WorkloadResult> results)
    {
        Console.WriteLine("Summary (training samples/s, median)");
        Console.WriteLine("  workload        hand     library   ratio   lib GFLOP/s   % roofline   goal");
        foreach (var r in results)
        {
            double goal = r.Workload.Name switch { "W1" => 1.0, "W2" => 1.5, _ => 3.0 };
            string status = (r.Ratio >= goal ? "met" : "NOT met") + (r.AllDisturbed ? " (disturbed)" : string.Empty);
            Console.WriteLine(Invariant($"  {r.Workload.Name,-8} {r.HandSamplesPerSecond,11:N0} {r.LibrarySamplesPerSecond,11:N0} {r.Ratio,7:F2} {r.LibraryGflops,13:F2} {r.RooflinePercent,11:F1}%   >= {goal:F1}x {status}"));
        }

        Console.WriteLine();
    }

    /// <summary>Percent change from epoch 2 to the last epoch.</summary>
    private static double Growth(List<double> values) =>
        values.Count < 3 || values[1] == 0 ? 0 : 100 * (values[^1] - values[1]) / values[1];

    private static double Round(double value) => Math.Round(value, 3);

    private static JsonArray ToArray(IEnumerable<double> values) =>
        new(values.Select(v => (JsonNode?)JsonValue.Create(Round(v))).ToArray());

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

internal readonly record struct PairedRun(double Hand, double Library, double LibraryFit);

internal sealed record WorkloadResult(Workload Workload, List<double> HandRuns, List<double> LibraryRuns, List<double> LibraryFitRuns, double Roofline, int Tried, bool AllDisturbed)
{
    /// <summary>Median of the per-repetition library/hand ratios; less sensitive to drift than the ratio of medians.</summary>
    public double PairedRatio => Stats.Median(HandRuns.Zip(LibraryRuns, (h, l) => l / h).ToList());

    public double HandSamplesPerSecond => Stats.Median(HandRuns);

    public double LibrarySamplesPerSecond => Stats.Median(LibraryRuns);

    public double Ratio => LibrarySamplesPerSecond / HandSamplesPerSecond;

    public double LibraryGflops => LibrarySamplesPerSecond * Workload.TrainFlopsPerSample / 1e9;

    public double HandGflops => HandSamplesPerSecond * Workload.TrainFlopsPerSample / 1e9;

    public double RooflinePercent => 100 * LibraryGflops / Roofline;

    public JsonObject ToJson() => new()
    {
        ["hand_samples_per_s"] = Math.Round(HandSamplesPerSecond, 1),
        ["library_samples_per_s"] = Math.Round(LibrarySamplesPerSecond, 1),
        ["ratio"] = Math.Round(Ratio, 3),
        ["paired_ratio"] = Math.Round(PairedRatio, 3),
        ["tries"] = Tried,
        ["all_disturbed"] = AllDisturbed,
        ["roofline_gflops"] = Math.Round(Roofline, 3),
        ["library_gflops"] = Math.Round(LibraryGflops, 3),
        ["hand_gflops"] = Math.Round(HandGflops, 3),
        ["library_roofline_percent"] = Math.Round(RooflinePercent, 2),
        ["library_fit_samples_per_s"] = Math.Round(Stats.Median(LibraryFitRuns), 1),
        ["train_flops_per_sample"] = Workload.TrainFlopsPerSample,
        ["rows"] = Workload.Rows,
        ["batch_size"] = Workload.BatchSize,
        ["heads"] = Workload.Heads,
        ["hand_samples_per_s_runs"] = new JsonArray(HandRuns.Select(v => (JsonNode?)JsonValue.Create(Math.Round(v, 1))).ToArray()),
        ["library_samples_per_s_runs"] = new JsonArray(LibraryRuns.Select(v => (JsonNode?)JsonValue.Create(Math.Round(v, 1))).ToArray()),
    };
}

internal static class Stats
{
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

internal static class Machine
{
    public static List<KeyValuePair<string, string>> Describe()
    {
        string cpu = "unknown";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        return
        [
            KeyValuePair.Create("cpu", cpu),
            KeyValuePair.Create("logical_cores", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
            KeyValuePair.Create("torch_num_threads", get_num_threads().ToString(CultureInfo.InvariantCulture)),
            KeyValuePair.Create("os", RuntimeInformation.OSDescription),
            KeyValuePair.Create("dotnet", RuntimeInformation.FrameworkDescription),
            KeyValuePair.Create("torchsharp", typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown"),
        ];
    }
}
