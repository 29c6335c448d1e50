using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Benchmarks;

/// <summary>
/// The baseline: a multi-head training loop written directly against TorchSharp, the way a user would write it
/// without this library. An MLP backbone in <c>nn.Sequential</c>, one <c>nn.Linear</c> and one weighted
/// <c>nn.CrossEntropyLoss</c> (ignore_index −1) per head, Adam at 1e-3, a <c>randperm</c> per epoch with
/// batches taken by <c>index_select</c>, and one dispose scope per step.
/// </summary>
internal sealed class HandLoop : IDisposable
{
    private readonly Workload _workload;
    private readonly Sequential _backbone;
    private readonly Linear[] _heads;
    private readonly Tensor[] _classWeights;
    private readonly CrossEntropyLoss[] _losses;
    private readonly optim.Optimizer _optimizer;
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly Generator _shuffle;

    public HandLoop(Workload workload, WorkloadData data, int seed)
    {
        _workload = workload;
        torch.random.manual_seed(seed);
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int width = workload.Features;
        foreach (int hidden in workload.Hidden)
        {
            layers.Add(nn.Linear(width, hidden));
            layers.Add(nn.ReLU());
            width = hidden;
        }

        _backbone = nn.Sequential(layers);
        _heads = Enumerable.Range(0, workload.Heads).Select(_ => nn.Linear(width, workload.Classes)).ToArray();

        // Loss weights are not module buffers: create them once, outside any step scope, and dispose them at the end.
        _classWeights = data.BalancedWeights(workload.Classes).Select(w => tensor(w)).ToArray();
        _losses = _classWeights.Select(w => nn.CrossEntropyLoss(w, ignore_index: -1)).ToArray();
        var parameters = _backbone.parameters().Concat(_heads.SelectMany(h => h.parameters())).ToList();
        _optimizer = optim.Adam(parameters, lr: 1e-3);

        _x = tensor(Flatten(data.Features), [workload.Rows, workload.Features]);
        _y = tensor(Flatten(data.Labels), [workload.Rows, workload.Heads]);
        _shuffle = new Generator((ulong)seed, CPU);
    }

    /// <summary>Runs whole epochs; returns the elapsed time and the mean loss of the last epoch.</summary>
    public (TimeSpan Elapsed, double LastLoss) Train(int epochs)
    {
        _backbone.train();
        foreach (var head in _heads)
        {
            head.train();
        }

        var stopwatch = Stopwatch.StartNew();
        double lastLoss = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            double sum = 0;
            int steps = 0;
            using var permutation = randperm(_workload.Rows, generator: _shuffle);
            for (int start = 0; start < _workload.Rows; start += _workload.BatchSize)
            {
                int count = Math.Min(_workload.BatchSize, _workload.Rows - start);
                using var scope = NewDisposeScope();
                var index = permutation.narrow(0, start, count);
                var x = _x.index_select(0, index);
                var y = _y.index_select(0, index);
                var hidden = _backbone.forward(x);
                Tensor loss = _losses[0].forward(_heads[0].forward(hidden), y.select(1, 0));
                for (int h = 1; h < _heads.Length; h++)
                {
                    loss = loss + _losses[h].forward(_heads[h].forward(hidden), y.select(1, h));
                }

                _optimizer.zero_grad();
                loss.backward();
                _optimizer.step();
                sum += loss.item<float>();
                steps++;
            }

            lastLoss = sum / steps;
        }

        return (stopwatch.Elapsed, lastLoss);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        foreach (var loss in _losses)
        {
            loss.Dispose();
        }

        foreach (var w in _classWeights)
        {
            w.Dispose();
        }

        foreach (var head in _heads)
        {
            head.Dispose();
        }

        _backbone.Dispose();
        _x.Dispose();
        _y.Dispose();
        _shuffle.Dispose();
    }

    private static float[] Flatten(float[,] values)
    {
        var flat = new float[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(float));
        return flat;
    }

    private static long[] Flatten(int[,] values)
    {
        var flat = new long[values.Length];
        int i = 0;
        foreach (int v in values)
        {
            flat[i++] = v;
        }

        return flat;
    }
}
