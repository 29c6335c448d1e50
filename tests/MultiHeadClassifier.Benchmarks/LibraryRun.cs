using System.Diagnostics;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Benchmarks;

/// <summary>The library side of a workload: one model, fitted repeatedly with <see cref="MultiHeadTrainer"/>.</summary>
internal sealed class LibraryRun : IDisposable
{
    private readonly Workload _workload;
    private readonly int _seed;

    public LibraryRun(Workload workload, WorkloadData data, int seed)
    {
        _workload = workload;
        _seed = seed;
        var heads = Enumerable.Range(0, workload.Heads)
            .Select(h => new HeadDefinition($"head{h}", workload.Classes, weighting: ClassWeighting.Balanced()))
            .ToArray();
        Model = MultiHeadModel.Create(workload.Features, heads, new MultiHeadModelOptions
        {
            Seed = seed,
            Backbone = new MlpBackboneOptions { HiddenSizes = workload.Hidden },
        });
        Data = new MultiHeadDataset(data.Features, data.Labels);
    }

    public MultiHeadModel Model { get; }

    public MultiHeadDataset Data { get; }

    /// <summary>
    /// Fits for some epochs. Returns the summed duration of the epochs (as measured by the trainer, so excluding the
    /// once-per-Fit setup of copying the data into tensors) and the wall time of the whole Fit call.
    /// </summary>
    public (TimeSpan EpochTime, TimeSpan FitTime, double LastLoss) Train(int epochs, params TrainingCallback[] extraCallbacks)
    {
        var timer = new EpochTimer();
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions
        {
            Epochs = epochs,
            BatchSize = _workload.BatchSize,
            Seed = _seed,
            Callbacks = [timer, .. extraCallbacks],
        });
        var stopwatch = Stopwatch.StartNew();
        var history = trainer.Fit(Model, Data);
        return (timer.Total, stopwatch.Elapsed, history.Epochs[^1].TrainLoss);
    }

    public void Dispose() => Model.Dispose();

    private sealed class EpochTimer : TrainingCallback
    {
        public TimeSpan Total { get; private set; }

        public override void OnEpochEnd(EpochEndArgs args) => Total += args.Summary.Duration;
    }
}

/// <summary>Records the process RSS and the live tensor count at the end of every epoch.</summary>
internal sealed class MemoryProbe : TrainingCallback
{
    public List<double> RssMegabytes { get; } = [];

    public List<long> LiveTensors { get; } = [];

    public List<double> ManagedMegabytes { get; } = [];

    public override void OnEpochEnd(EpochEndArgs args)
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        RssMegabytes.Add(process.WorkingSet64 / (1024.0 * 1024.0));
        LiveTensors.Add(TorchSharp.DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
        ManagedMegabytes.Add(GC.GetTotalMemory(false) / (1024.0 * 1024.0));
    }
}
