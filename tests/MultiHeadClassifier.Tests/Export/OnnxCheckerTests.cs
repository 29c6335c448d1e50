using FluentAssertions;
using Google.Protobuf;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Export;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using TorchSharp.Modules;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Export;

/// <summary>
/// The exported files validated by the onnx package's own checker (Debian's python3-onnx), through
/// <c>tests/scripts/check_onnx.py</c>, which .ci/run also runs on a file exported by <c>mhc export</c>.
/// </summary>
public sealed class OnnxCheckerTests : IClassFixture<TrainedExportModel>, IDisposable
{
    private readonly TrainedExportModel _trained;
    private readonly ITestOutputHelper _output;
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-onnx-check-").FullName;

    public OnnxCheckerTests(TrainedExportModel trained, ITestOutputHelper output) => (_trained, _output) = (trained, output);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_exports_of_every_kind_are_checked_by_the_onnx_package_it_should_find_them_valid()
    {
        // Arrange
        string? python = PythonTool.Find("onnx");
        if (python is null)
        {
            _output.WriteLine("python3 with the onnx module not found: the check runs in CI (CI=true makes this a failure).");
            return;
        }

        var paths = ExportVariants();

        // Act
        var (exitCode, stdout, stderr) = PythonTool.Run(python, [PythonTool.Script("check_onnx.py"), .. paths]);

        // Assert
        _output.WriteLine(stdout + stderr);
        exitCode.Should().Be(0, stderr);
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(paths.Count).And.OnlyContain(line => line.Contains(": valid (onnx "));
    }

    [Fact]
    public void When_a_graph_uses_a_value_nothing_produces_it_should_be_rejected_by_the_checker()
    {
        // Arrange: proves the check can fail: the first Gemm's weight initializer removed.
        string? python = PythonTool.Find("onnx");
        if (python is null)
        {
            _output.WriteLine("python3 with the onnx module not found: the check runs in CI (CI=true makes this a failure).");
            return;
        }

        string path = Path.Combine(_folder, "broken.onnx");
        _trained.Model.ExportOnnx(path);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        proto.Graph.Initializer.RemoveAt(proto.Graph.Initializer.ToList().FindIndex(t => t.Name.EndsWith(".weight", StringComparison.Ordinal)));
        File.WriteAllBytes(path, proto.ToByteArray());

        // Act
        var (exitCode, _, stderr) = PythonTool.Run(python, [PythonTool.Script("check_onnx.py"), path]);

        // Assert
        exitCode.Should().Be(1);
        stderr.Should().Contain("broken.onnx: INVALID");
    }

    private List<string> ExportVariants()
    {
        var model = _trained.Model;
        model.Temperatures = _trained.PriorTemperatures;
        var paths = new List<string>();
        string Next(string name) => Path.Combine(_folder, name);

        paths.Add(Next("raw.onnx"));
        model.ExportOnnx(paths[^1]);
        paths.Add(Next("corrected-imputed.onnx"));
        model.ExportOnnx(paths[^1], new OnnxExportOptions
        {
            Probabilities = LogitCorrection.PriorAndTemperature,
            ImputationMeans = [.. Enumerable.Repeat(0.5, 8)],
            FeatureNames = [.. Enumerable.Range(0, 8).Select(i => $"f{i}")],
        });

        foreach (var activation in Enum.GetValues<Activation>())
        {
            using var mlp = MultiHeadModel.Create(8, [new HeadDefinition("only", 3)], new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [6], Activation = activation, LayerNorm = true, Dropout = 0.2 } });
            paths.Add(Next($"mlp-{activation}.onnx"));
            mlp.ExportOnnx(paths[^1], new OnnxExportOptions { Probabilities = LogitCorrection.None });
        }

        var backbone = nn.Sequential(nn.Linear(8, 6), nn.BatchNorm1d(6), nn.GELU(GELU.Approximate.tanh), nn.Dropout(0.1), nn.Linear(6, 5), nn.Sigmoid(), nn.Tanh(), nn.Identity());
        using (var custom = MultiHeadModel.Create(8, TestData.Heads(), backbone, 5))
        {
            paths.Add(Next("custom.onnx"));
            custom.ExportOnnx(paths[^1]);
        }

        using var second = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 2, Backbone = new() { HiddenSizes = [4], Activation = Activation.GELU } });
        paths.Add(Next("ensemble.onnx"));
        new[] { model, second }.ExportOnnx(paths[^1]);
        return paths;
    }
}
