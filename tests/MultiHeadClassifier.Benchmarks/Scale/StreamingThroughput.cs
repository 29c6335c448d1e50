using System.Diagnostics;
using System.Globalization;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Benchmarks.Scale;

/// <summary>
/// Training throughput from a <see cref="MultiHeadDataFileSource"/> against the same rows in memory: the workload's
/// data is written to a data file, then two models of the same seed are fitted alternately, one from the
/// <see cref="MultiHeadDataset"/> (the trainer's tensor path) and one from the file (the streaming path), both
/// shuffled per epoch. Throughput counts the epochs only (the trainer's epoch durations); the whole <c>Fit</c>,
/// which adds the in-memory copy or the streaming statistics pass, is reported beside it. On a shared machine wall
/// time swings with the neighbours' load, so the process CPU time per epoch (all threads: libtorch's, and the file's
/// read-ahead thread) is reported too, as a ratio of CPU samples per second.
/// </summary>
internal static class StreamingThroughput
{
    private const int Seed = 1;

    /// <summary>The mhc CLI's default shape on the scale file's columns: 40 features, MLP 128, 64, 8 heads × 5.</summary>
    public static Workload CliShape(int rows) => new("S40", rows, 40, [128, 64], 8, 5, 512);

    public static ThroughputResult Measure(Workload workload, int reps, int epochs, string folder)
    {
        Console.WriteLine($"  streaming vs in-memory training: {workload.Describe()}, {epochs} timed epochs per try");
        var data = WorkloadData.Create(workload, Seed);
        string[] names = [.. Enumerable.Range(0, workload.Heads).Select(h => $"head{h}")];
        var dataset = new MultiHeadDataset(data.Features, data.Labels, names);
        string path = Path.Combine(folder, $"{workload.Name}.mhcdata");
        using (var writer = MultiHeadDataFile.Create(path, workload.Features, names, [.. Enumerable.Repeat(workload.Classes, workload.Heads)]))
        {
            writer.Append(dataset);
            writer.Complete();
        }

        try
        {
            using var source = MultiHeadDataFile.Open(path, new MultiHeadDataFileOptions { BatchSize = workload.BatchSize, Seed = Seed });
            using var inMemory = NewModel(workload, names);
            using var streamed = NewModel(workload, names);
            Fit(inMemory, workload, 1, t => t.Fit(inMemory, dataset));
            Fit(streamed, workload, 1, t => t.Fit(streamed, source));
            double samples = (double)workload.Rows * epochs;
            var read = Stopwatch.StartNew();
            var readCpu = EpochCpu.Now();
            long rows = 0;
            foreach (var batch in source.GetBatches(1))
            {
                rows += batch.RowCount;
            }

            Console.WriteLine(Invariant($"    reading one shuffled epoch from the file without training: {rows / read.Elapsed.TotalSeconds:N0} rows/s, {(EpochCpu.Now() - readCpu).TotalMilliseconds / (rows / (double)workload.BatchSize):F3} ms CPU per batch"));
            var runs = Repeater.Run(reps, attempt =>
            {
                // Alternate the order so that drift in machine speed does not favour one side.
                (TimeSpan Epochs, TimeSpan Fit, TimeSpan Cpu) memory, disk;
                if (attempt % 2 == 0)
                {
                    memory = Fit(inMemory, workload, epochs, t => t.Fit(inMemory, dataset));
                    disk = Fit(streamed, workload, epochs, t => t.Fit(streamed, source));
                }
                else
                {
                    disk = Fit(streamed, workload, epochs, t => t.Fit(streamed, source));
                    memory = Fit(inMemory, workload, epochs, t => t.Fit(inMemory, dataset));
                }

                var pair = new ThroughputPair(
                    samples / memory.Epochs.TotalSeconds,
                    samples / disk.Epochs.TotalSeconds,
                    samples / memory.Fit.TotalSeconds,
                    samples / disk.Fit.TotalSeconds,
                    samples / memory.Cpu.TotalSeconds,
                    samples / disk.Cpu.TotalSeconds);
                Console.WriteLine(Invariant($"    try {attempt + 1}: in memory {pair.InMemory,9:N0} samples/s   from the file {pair.Streamed,9:N0} samples/s   ratio {pair.Streamed / pair.InMemory:F3}   (whole Fit {pair.InMemoryFit:N0} vs {pair.StreamedFit:N0}; CPU-time ratio {pair.StreamedCpu / pair.InMemoryCpu:F3})"));
                return pair;
            });
            var result = new ThroughputResult(workload, [.. runs.Used.Select(r => r.Value)], runs.Tried, runs.AllDisturbed);
            Console.WriteLine(Invariant($"    median: in memory {result.InMemory:N0}, from the file {result.Streamed:N0} samples/s; streamed/in-memory {result.Ratio:F3} (range {result.RatioMin:F3}-{result.RatioMax:F3} over {result.Runs.Count} of {runs.Tried} tries{(runs.AllDisturbed ? ", ALL DISTURBED" : ", the quiet ones")}); whole Fit {result.FitRatio:F3}; CPU time {result.CpuRatio:F3} (range {result.CpuRatioMin:F3}-{result.CpuRatioMax:F3})"));
            return result;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static MultiHeadModel NewModel(Workload workload, string[] names) =>
        MultiHeadModel.Create(
            workload.Features,
            [.. names.Select(n => new HeadDefinition(n, workload.Classes, weighting: ClassWeighting.Balanced()))],
            new MultiHeadModelOptions { Seed = Seed, Backbone = new MlpBackboneOptions { HiddenSizes = workload.Hidden } });

    private static (TimeSpan Epochs, TimeSpan Fit, TimeSpan Cpu) Fit(MultiHeadModel model, Workload workload, int epochs, Func<MultiHeadTrainer, TrainingHistory> fit)
    {
        var cpu = new EpochCpu();
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = epochs, BatchSize = workload.BatchSize, Seed = Seed, Callbacks = [cpu] });
        var stopwatch = Stopwatch.StartNew();
        var history = fit(trainer);
        return (TimeSpan.FromTicks(history.Epochs.Sum(e => e.Duration.Ticks)), stopwatch.Elapsed, cpu.Total);
    }

    /// <summary>The process CPU time from the start of training (after the setup and statistics pass) to the last epoch's end.</summary>
    private sealed class EpochCpu : TrainingCallback
    {
        private TimeSpan _start;

        public TimeSpan Total { get; private set; }

        public override void OnTrainBegin(TrainBeginArgs args) => _start = Now();

        public override void OnEpochEnd(EpochEndArgs args) => Total = Now() - _start;

        public static TimeSpan Now()
        {
            using var process = Process.GetCurrentProcess();
            return process.TotalProcessorTime;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One try's training throughputs, samples per second.</summary>
internal readonly record struct ThroughputPair(double InMemory, double Streamed, double InMemoryFit, double StreamedFit, double InMemoryCpu, double StreamedCpu);

/// <summary>The tries of <see cref="StreamingThroughput.Measure"/>.</summary>
internal sealed record ThroughputResult(Workload Workload, List<ThroughputPair> Runs, int Tried, bool AllDisturbed)
{
    public double InMemory => Stats.Median([.. Runs.Select(r => r.InMemory)]);

    public double Streamed => Stats.Median([.. Runs.Select(r => r.Streamed)]);

    /// <summary>Median of the paired streamed/in-memory ratios of the epochs' throughput.</summary>
    public double Ratio => Stats.Median([.. Runs.Select(r => r.Streamed / r.InMemory)]);

    public double RatioMin => Runs.Min(r => r.Streamed / r.InMemory);

    public double RatioMax => Runs.Max(r => r.Streamed / r.InMemory);

    /// <summary>Median of the paired ratios of whole-Fit throughput (setup and the statistics pass included).</summary>
    public double FitRatio => Stats.Median([.. Runs.Select(r => r.StreamedFit / r.InMemoryFit)]);

    /// <summary>Median of the paired ratios of samples per CPU second in the epochs.</summary>
    public double CpuRatio => Stats.Median([.. Runs.Select(r => r.StreamedCpu / r.InMemoryCpu)]);

    public double CpuRatioMin => Runs.Min(r => r.StreamedCpu / r.InMemoryCpu);

    public double CpuRatioMax => Runs.Max(r => r.StreamedCpu / r.InMemoryCpu);
}
