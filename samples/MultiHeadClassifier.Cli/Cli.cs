using System.CommandLine;
using MultiHeadClassifier.Cli.Commands;
using MultiHeadClassifier.Native;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Cli;

/// <summary>The <c>mhc</c> command line, callable in-process.</summary>
public static class Cli
{
    /// <summary>Runs one command line.</summary>
    /// <param name="args">The arguments, e.g. <c>train --train a.csv --heads h --out dir</c>.</param>
    /// <param name="stdout">Normal output.</param>
    /// <param name="stderr">Error output: one line per error, no stack trace.</param>
    /// <param name="interactive">Draw a terminal progress bar. Default: only when <paramref name="stdout"/> is the console's own, non-redirected output.</param>
    /// <param name="cancellationToken">
    /// Interrupts <c>train</c> at the end of the current batch (exit code 1); with <c>--checkpoint-every</c> the run
    /// can then be continued with <c>--resume</c>. The <c>mhc</c> executable fires it on the first Ctrl+C.
    /// </param>
    /// <returns>0 on success, 2 for usage errors and bad input, 1 for other failures (an interrupted run included).</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool? interactive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var context = new CliContext(stdout, stderr, interactive ?? (!Console.IsOutputRedirected && ReferenceEquals(stdout, Console.Out)), cancellationToken);
        var root = new RootCommand("mhc: train, evaluate, run and export multi-head ordinal classifiers on CSV or Parquet files.")
        {
            TrainCommand.Create(context),
            EvaluateCommand.Create(context),
            PredictCommand.Create(context),
            ExportCommand.Create(context),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine("error: " + OneLine(parsed.Errors[0].Message) + " (see 'mhc --help')");
            return CliException.UsageExitCode;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (ExitCodeFor(e) is int code)
        {
            stderr.WriteLine("error: " + OneLine(e.Message));
            return code;
        }
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The exit code of an expected failure, or null for a bug (which keeps its stack trace).</summary>
    private static int? ExitCodeFor(Exception e) => e switch
    {
        TorchNativeLoadException or NonFiniteLossException or OperationCanceledException => 1,
        CliException or ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException or NotSupportedException => CliException.UsageExitCode,
        IOException or UnauthorizedAccessException => 1,
        _ => null,
    };
}
