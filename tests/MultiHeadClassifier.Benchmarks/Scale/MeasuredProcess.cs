using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MultiHeadClassifier.Benchmarks.Scale;

/// <summary>
/// Runs a child process under <c>/usr/bin/time -v</c> (GNU time), records when each line of its output arrived, and
/// reads its peak resident set size from time's "Maximum resident set size (kbytes)" line. Without GNU time the
/// process runs directly and the peak RSS is unknown.
/// </summary>
internal static partial class MeasuredProcess
{
    private const string GnuTime = "/usr/bin/time";

    public static MeasuredRun Run(string fileName, IEnumerable<string> arguments)
    {
        bool timed = File.Exists(GnuTime);
        var start = new ProcessStartInfo(timed ? GnuTime : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (timed)
        {
            start.ArgumentList.Add("-v");
            start.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var lines = new List<(TimeSpan At, string Text)>();
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        void Record(string? text)
        {
            if (text is not null)
            {
                lock (lines)
                {
                    lines.Add((stopwatch.Elapsed, text));
                }
            }
        }

        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        var wall = stopwatch.Elapsed;
        double? rssMegabytes = null;
        foreach (var (_, text) in lines)
        {
            var match = MaximumResidentSetSize().Match(text);
            if (match.Success)
            {
                rssMegabytes = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return new MeasuredRun(process.ExitCode, wall, rssMegabytes, lines);
    }

    [GeneratedRegex(@"Maximum resident set size \(kbytes\):\s*(\d+)")]
    private static partial Regex MaximumResidentSetSize();
}

/// <summary>A finished child process: exit code, wall time, peak RSS (MB, if known) and its output lines with their arrival times.</summary>
internal sealed record MeasuredRun(int ExitCode, TimeSpan Wall, double? PeakRssMegabytes, List<(TimeSpan At, string Text)> Lines)
{
    /// <summary>When the first line starting with <paramref name="prefix"/> arrived, or null.</summary>
    public TimeSpan? LineAt(string prefix) =>
        Lines.Where(l => l.Text.StartsWith(prefix, StringComparison.Ordinal)).Select(l => (TimeSpan?)l.At).FirstOrDefault();

    /// <summary>The output lines, for a failure message.</summary>
    public string Output => string.Join(Environment.NewLine, Lines.Select(l => l.Text));
}
