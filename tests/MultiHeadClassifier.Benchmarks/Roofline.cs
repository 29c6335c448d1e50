using System.Diagnostics;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Benchmarks;

/// <summary>The machine's practical fp32 peak in this process: a 2048×2048 matrix multiply through libtorch.</summary>
internal static class Roofline
{
    private const int N = 2048;

    /// <summary>GFLOP/s (2·N³ per multiply) per repetition, with the foreign load during it.</summary>
    public static (List<Sample<double>> Used, int Tried, bool AllDisturbed) Measure(int repetitions, int multipliesPerRepetition = 5)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(7, CPU);
        using var a = randn([N, N], generator: generator);
        using var b = randn([N, N], generator: generator);
        for (int i = 0; i < 2; i++)
        {
            a.mm(b).Dispose();
        }

        return Repeater.Run(repetitions, _ =>
        {
            var stopwatch = Stopwatch.StartNew();
            for (int i = 0; i < multipliesPerRepetition; i++)
            {
                a.mm(b).Dispose();
            }

            return 2.0 * N * N * (double)N * multipliesPerRepetition / stopwatch.Elapsed.TotalSeconds / 1e9;
        });
    }
}
