using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Export;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Tests.Export;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// <c>mhc export</c>: the ONNX file, run in ONNX Runtime, gives what <c>mhc predict</c> writes for the same CSV
/// (missing cells imputed, corrections applied); the safetensors pair imports to the same model; errors follow
/// the exit-code contract.
/// </summary>
public sealed class CliExportTests : IClassFixture<ImputingCliWorkspace>
{
    private readonly ImputingCliWorkspace _trained;

    public CliExportTests(ImputingCliWorkspace trained) => _trained = trained;

    private CliWorkspace Workspace => _trained.Workspace;

    [Theory]
    [InlineData("none")]
    [InlineData("prior")]
    [InlineData("temperature")]
    [InlineData("prior+temperature")]
    public void When_exported_to_onnx_with_a_correction_it_should_score_a_csv_with_missing_cells_as_mhc_predict_does(string correction)
    {
        // Arrange: line 3 has an empty feature cell, which the model directory's imputation means fill.
        string data = Workspace.WithCell(Workspace.TestCsv, "missing-cell.csv", 3, 2, string.Empty);
        string path = Workspace.PathOf($"export-{correction.Replace('+', '-')}.onnx");
        string[] held = correction.Contains("temperature", StringComparison.Ordinal) ? ["--correction-data", Workspace.TrainCsv] : [];

        // Act
        var result = Workspace.Run(["export", "--model", _trained.ModelDir, "--format", "onnx", "--out", path, "--correction", correction, .. held]);
        Workspace.Run(["predict", "--model", _trained.ModelDir, "--data", data, "--out", Workspace.PathOf("p.csv"), "--output", "probabilities", "--correction", correction, .. held]).ExitCode.Should().Be(0);
        Workspace.Run("predict", "--model", _trained.ModelDir, "--data", data, "--out", Workspace.PathOf("l.csv"), "--output", "logits").ExitCode.Should().Be(0);
        using var runner = new OnnxRunner(path);
        var outputs = runner.Run(Features(data));

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stdout.Should().Contain("missing features imputed with the training means");
        var (probabilities, logits) = (ReadCsv(Workspace.PathOf("p.csv")), ReadCsv(Workspace.PathOf("l.csv")));
        foreach (string head in CliWorkspace.HeadNames)
        {
            ExportAssertions.ShouldMatch(outputs[head], Columns(logits, head), head);
            ExportAssertions.ShouldMatch(outputs[head + "_probabilities"], Columns(probabilities, head), head + "_probabilities");
        }

        runner.Metadata["probabilities_correction"].Should().Be(correction);
        runner.Metadata["imputation"].Should().Be("mean");
        JsonSerializer.Deserialize<string[]>(runner.Metadata["features"]).Should().Equal(Enumerable.Range(0, 8).Select(j => $"f{j}"));
    }

    [Fact]
    public void When_exported_to_onnx_without_a_correction_it_should_have_only_the_raw_outputs()
    {
        // Arrange
        string path = Workspace.PathOf("raw.onnx");

        // Act
        var result = Workspace.Run("export", "--model", _trained.ModelDir, "--format", "onnx", "--out", path);
        using var runner = new OnnxRunner(path);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        runner.OutputNames.Should().Equal(CliWorkspace.HeadNames);
        runner.InputNames.Should().Equal("features");
    }

    [Fact]
    public void When_exported_to_safetensors_it_should_write_a_pair_that_imports_to_the_same_model()
    {
        // Arrange
        string path = Workspace.PathOf("st/model.safetensors");

        // Act
        var result = Workspace.Run("export", "--model", _trained.ModelDir, "--format", "safetensors", "--out", path);
        using var imported = MultiHeadModel.ImportSafetensors(path);
        using var original = ModelDirectory.Load(_trained.ModelDir);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stdout.Should().Contain(Workspace.PathOf("st/model.json"));
        var x = ExportAssertions.RandomFeatures(10, 8, seed: 3);
        imported.Predict(x)["acting"].Should().BeEquivalentTo(original.Model.Predict(x)["acting"], o => o.WithStrictOrdering());
    }

    [Theory]
    [InlineData("--format", "pmml")]
    [InlineData("--correction", "platt")]
    [InlineData("--correction", "temperature")]
    [InlineData("--format", "safetensors", "--correction", "prior")]
    [InlineData("--correction-data", "held.csv")]
    public void When_the_export_arguments_are_wrong_it_should_exit_2_with_one_line_naming_the_option(params string[] args)
    {
        // Arrange
        var full = new List<string> { "export", "--model", _trained.ModelDir, "--out", Workspace.PathOf("bad.out") };
        if (!args.Contains("--format"))
        {
            full.AddRange(["--format", "onnx"]);
        }

        full.AddRange(args);

        // Act
        var result = Workspace.Run([.. full]);

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Split('\n').Should().ContainSingle().Which.Should().StartWith("error: ").And.Contain(args[^2] == "--format" ? "pmml" : args.FirstOrDefault(a => a.StartsWith("--correction", StringComparison.Ordinal)) ?? "--correction");
        File.Exists(Workspace.PathOf("bad.out")).Should().BeFalse();
    }

    [Fact]
    public void When_the_model_directory_does_not_exist_it_should_exit_2_naming_it()
    {
        // Act
        var result = Workspace.Run("export", "--model", Workspace.PathOf("absent"), "--format", "onnx", "--out", Workspace.PathOf("x.onnx"));

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be($"error: {Workspace.PathOf("absent")}: model directory not found.");
    }

    /// <summary>The feature columns f0..f7 of a workspace CSV, an empty cell as NaN (for the graph to impute).</summary>
    private static float[,] Features(string path)
    {
        string[] lines = File.ReadAllLines(path);
        var result = new float[lines.Length - 1, 8];
        for (int r = 1; r < lines.Length; r++)
        {
            string[] cells = lines[r].Split(',');
            for (int c = 0; c < 8; c++)
            {
                result[r - 1, c] = cells[c].Length == 0 ? float.NaN : float.Parse(cells[c], CultureInfo.InvariantCulture);
            }
        }

        return result;
    }

    private static (string[] Header, double[][] Rows) ReadCsv(string path)
    {
        string[] lines = File.ReadAllLines(path);
        return (lines[0].Split(','), [.. lines.Skip(1).Select(l => l.Split(',').Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray())]);
    }

    private static double[,] Columns((string[] Header, double[][] Rows) csv, string head)
    {
        int[] columns = [.. csv.Header.Select((name, i) => (name, i)).Where(p => p.name.StartsWith(head + "_", StringComparison.Ordinal)).Select(p => p.i)];
        var result = new double[csv.Rows.Length, columns.Length];
        for (int r = 0; r < csv.Rows.Length; r++)
        {
            for (int c = 0; c < columns.Length; c++)
            {
                result[r, c] = csv.Rows[r][columns[c]];
            }
        }

        return result;
    }
}

/// <summary>A workspace with a model trained by <c>mhc train --missing-features mean</c> (so it has imputation means).</summary>
public sealed class ImputingCliWorkspace : IDisposable
{
    public ImputingCliWorkspace()
    {
        Workspace = new CliWorkspace();
        ModelDir = Workspace.PathOf("imputing-model");
        var result = Workspace.Run("train", "--train", Workspace.TrainCsv, "--valid", Workspace.TestCsv, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", ModelDir, "--epochs", "3", "--batch-size", "32", "--hidden", "16", "--seed", "7", "--missing-features", "mean");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("mhc train failed: " + result.Stderr);
        }
    }

    public CliWorkspace Workspace { get; }

    public string ModelDir { get; }

    public void Dispose() => Workspace.Dispose();
}
