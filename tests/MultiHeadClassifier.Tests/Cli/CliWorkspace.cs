using System.Globalization;
using System.Text;
using MultiHeadClassifier.Data;
using MhcCli = MultiHeadClassifier.Cli.Cli;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>A temp folder with synthetic CSV files and a helper that runs <c>mhc</c> in-process.</summary>
public sealed class CliWorkspace : IDisposable
{
    public static readonly string[] HeadNames = ["plot", "dialog", "acting", "makeup"];

    public CliWorkspace()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mhc-cli-tests-").FullName;
        Data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 400, Features = 8 });
        TrainCsv = WriteCsv("train.csv", Data, Enumerable.Range(0, 300));
        TestCsv = WriteCsv("test.csv", Data, Enumerable.Range(300, 100));
    }

    public string Directory { get; }

    public MultiHeadDataset Data { get; }

    public string TrainCsv { get; }

    public string TestCsv { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Writes rows of a dataset as CSV (features f0.., then head columns; −1 as an empty cell).</summary>
    public string WriteCsv(string name, MultiHeadDataset data, IEnumerable<int> rows, bool withLabels = true)
    {
        var text = new StringBuilder();
        var header = Enumerable.Range(0, data.FeatureCount).Select(j => $"f{j}").ToList();
        if (withLabels)
        {
            header.AddRange(HeadNames);
        }

        text.AppendLine(string.Join(",", header));
        foreach (int r in rows)
        {
            var cells = new List<string>();
            for (int j = 0; j < data.FeatureCount; j++)
            {
                cells.Add(data.Features[(r * data.FeatureCount) + j].ToString("R", CultureInfo.InvariantCulture));
            }

            if (withLabels)
            {
                for (int h = 0; h < data.HeadCount; h++)
                {
                    int y = data.Label(r, h);
                    cells.Add(y < 0 ? string.Empty : y.ToString(CultureInfo.InvariantCulture));
                }
            }

            text.AppendLine(string.Join(",", cells));
        }

        string path = PathOf(name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>Replaces the text of one line (1-based, header = line 1) of a file and writes it under a new name.</summary>
    public string WithCell(string source, string name, int line, int column, string value)
    {
        var lines = File.ReadAllLines(source);
        var cells = lines[line - 1].Split(',');
        cells[column] = value;
        lines[line - 1] = string.Join(",", cells);
        string path = PathOf(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    public CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        return Run(stdout, CancellationToken.None, args);
    }

    /// <summary>Runs <c>mhc</c> with a given stdout writer and interrupt token (what Ctrl+C fires in the executable).</summary>
    public CliResult Run(StringWriter stdout, CancellationToken interrupt, params string[] args)
    {
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = MhcCli.Run(args, stdout, stderr, interactive: false, cancellationToken: interrupt);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>A workspace with one model trained by <c>mhc train</c>, shared by a test class.</summary>
public sealed class TrainedCliWorkspace : IDisposable
{
    public TrainedCliWorkspace()
    {
        Workspace = new CliWorkspace();
        ModelDir = Workspace.PathOf("model");
        TrainResult = Workspace.Run("train", "--train", Workspace.TrainCsv, "--valid", Workspace.TestCsv, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", ModelDir, "--epochs", "3", "--batch-size", "32", "--hidden", "16", "--seed", "7");
    }

    public CliWorkspace Workspace { get; }

    public string ModelDir { get; }

    public CliResult TrainResult { get; }

    public void Dispose() => Workspace.Dispose();
}
