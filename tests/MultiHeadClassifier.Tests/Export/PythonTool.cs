using System.Diagnostics;

namespace MultiHeadClassifier.Tests.Export;

/// <summary>
/// Finds a Python 3 with given modules (Debian's python3-onnx and python3-torch, which .ci/run installs) and runs
/// the repository's scripts with it. Locally a missing module skips the check with a note; in CI (CI=true) it
/// fails, so that CI can never pass without running the independent checks.
/// </summary>
internal static class PythonTool
{
    /// <summary>The Python that imports every module, or null when none does and this is not CI.</summary>
    /// <exception cref="InvalidOperationException">CI=true and no Python imports the modules.</exception>
    public static string? Find(params string[] modules)
    {
        string[] candidates = [Environment.GetEnvironmentVariable("MHC_PYTHON") ?? string.Empty, "/usr/bin/python3", "python3"];
        foreach (string python in candidates.Where(c => c.Length > 0))
        {
            try
            {
                if (Run(python, ["-c", "import " + string.Join(", ", modules)], TimeSpan.FromMinutes(2)).ExitCode == 0)
                {
                    return python;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under that name.
            }
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"CI=true, but no Python 3 here can import {string.Join(", ", modules)}; .ci/run must install Debian's python3-onnx and python3-torch (apt-get install -y python3-onnx python3-torch).");
        }

        return null;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string python, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{python} {string.Join(' ', args)} did not finish in time.");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Script(string name) => Path.Combine(RepositoryRoot(), "tests", "scripts", name);

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MultiHeadClassifier.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
