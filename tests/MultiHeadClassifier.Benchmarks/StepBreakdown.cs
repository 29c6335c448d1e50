using System.Diagnostics;
using MultiHeadClassifier.Training;
using MultiHeadClassifier.Training.Optimization;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Benchmarks;

/// <summary>
/// Where a library training step spends its time: the trainer's step replayed phase by phase with the same
/// operations (forward, fused loss, host copies of the per-head sums, backward, gradient norm, Adam step), on a
/// fitted model. Diagnostic only; the phases are timed on the calling thread, as libtorch on CPU is synchronous.
/// </summary>
internal static class StepBreakdown
{
    public static IReadOnlyList<(string Phase, double Microseconds)> Measure(LibraryRun run, Workload workload, int steps)
    {
        var model = run.Model;
        using var loss = new MultiHeadLoss(model.Heads, model.ClassWeights!);
        using var parameters = new FlatParameters(model.Network.parameters());
        using var optimizer = new FlatAdam(parameters, 1e-3, 0, decoupledWeightDecay: false);
        int rows = Math.Min(workload.Rows, workload.BatchSize * steps);
        var (x, y) = TensorData.ToTensors(run.Data.Slice(0, rows), 0, rows, CPU);
        using var features = x;
        using var labels = y;
        using var targets = loss.PrepareTargets(labels);
        string[] names = ["forward", "loss", "host copies", "backward", "gradient norm", "optimizer step", "reset gradients"];
        var totals = new double[names.Length];
        model.Network.train();
        int batches = rows / workload.BatchSize;
        for (int pass = 0; pass < 2; pass++)
        {
            Array.Clear(totals);
            for (int b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                var xb = features.narrow(0, b * workload.BatchSize, workload.BatchSize);
                var tb = targets.Narrow(b * workload.BatchSize, workload.BatchSize);
                long t = Stopwatch.GetTimestamp();
                parameters.ZeroGradients();
                t = Lap(totals, 6, t);
                var logits = model.Network.forward(xb);
                t = Lap(totals, 0, t);
                var (numerator, denominator) = loss.WeightedSums(logits, tb);
                var perHead = numerator / where(denominator > 0, denominator, ones_like(denominator));
                var total = (perHead * loss.LossMultipliers).sum();
                t = Lap(totals, 1, t);
                _ = stack([perHead, numerator, denominator]).detach().cpu().data<float>().ToArray();
                t = Lap(totals, 2, t);
                total.backward();
                t = Lap(totals, 3, t);
                _ = parameters.GradientNorm();
                t = Lap(totals, 4, t);
                optimizer.Step();
                Lap(totals, 5, t);
            }
        }

        model.Network.eval();
        return names.Select((n, i) => (n, totals[i] / batches)).ToArray();
    }

    private static long Lap(double[] totals, int phase, long start)
    {
        long now = Stopwatch.GetTimestamp();
        totals[phase] += (now - start) * 1e6 / Stopwatch.Frequency;
        return now;
    }
}
