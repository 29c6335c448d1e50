using System.Diagnostics;
using System.Globalization;

namespace MultiHeadClassifier.Benchmarks;

/// <summary>
/// Measures how much CPU other processes (and the hypervisor, as steal time) used while a measurement ran, in
/// cores, from /proc/stat and this process's CPU time. On a shared 2-core machine a measurement taken while
/// something else is busy is not comparable, so the harness repeats it. Reports 0 where /proc/stat is absent.
/// </summary>
internal sealed class CpuMeter
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux.
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly double _busyStart = BusySeconds();
    private readonly TimeSpan _ownStart = OwnCpu();

    /// <summary>Average number of cores used by everything but this process since the meter was created.</summary>
    public double ForeignCores()
    {
        double wall = _wall.Elapsed.TotalSeconds;
        double busy = BusySeconds() - _busyStart;
        double own = (OwnCpu() - _ownStart).TotalSeconds;
        return wall <= 0 || busy <= 0 ? 0 : Math.Max(0, (busy - own) / wall);
    }

    private static TimeSpan OwnCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static double BusySeconds()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path))
        {
            return 0;
        }

        string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }

        // cpu user nice system idle iowait irq softirq steal ...; busy = all but idle and iowait.
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        long busy = 0;
        for (int i = 0; i < Math.Min(fields.Length, 8); i++)
        {
            if (i != 3 && i != 4)
            {
                busy += fields[i];
            }
        }

        return busy / TicksPerSecond;
    }
}

/// <summary>One repetition's result and the foreign CPU load while it ran.</summary>
internal readonly record struct Sample<T>(T Value, double ForeignCores);

/// <summary>Repeats a measurement until enough repetitions ran on an otherwise quiet machine.</summary>
internal static class Repeater
{
    /// <summary>Foreign load, in cores, above which a repetition counts as disturbed.</summary>
    public const double QuietThreshold = 0.2;

    /// <summary>
    /// Runs <paramref name="measure"/> until <paramref name="wanted"/> quiet repetitions are collected or
    /// 3 × <paramref name="wanted"/> were tried. Returns the quiet ones, or all of them if none was quiet.
    /// </summary>
    public static (List<Sample<T>> Used, int Tried, bool AllDisturbed) Run<T>(int wanted, Func<int, T> measure)
    {
        var all = new List<Sample<T>>();
        int quiet = 0;
        for (int attempt = 0; attempt < 3 * wanted && quiet < wanted; attempt++)
        {
            var meter = new CpuMeter();
            var value = measure(attempt);
            var sample = new Sample<T>(value, meter.ForeignCores());
            all.Add(sample);
            if (sample.ForeignCores <= QuietThreshold)
            {
                quiet++;
            }
        }

        var used = all.Where(s => s.ForeignCores <= QuietThreshold).ToList();
        return used.Count == 0 ? (all, all.Count, true) : (used, all.Count, false);
    }
}
