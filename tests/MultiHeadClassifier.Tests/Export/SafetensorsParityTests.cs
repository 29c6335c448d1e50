using System.Globalization;
using System.Text;
using FluentAssertions;
using MultiHeadClassifier.Export;
using MultiHeadClassifier.Modeling;
using Xunit;
using Xunit.Abstractions;

namespace MultiHeadClassifier.Tests.Export;

/// <summary>
/// The safetensors pair against PyTorch (Debian's python3-torch), through <c>tests/scripts/safetensors_parity.py</c>:
/// PyTorch loads the library's export and reproduces its logits, and a pair PyTorch writes imports into a model
/// that reproduces PyTorch's logits, both within 1e-5.
/// </summary>
public sealed class SafetensorsParityTests : IClassFixture<TrainedExportModel>, IDisposable
{
    private readonly TrainedExportModel _trained;
    private readonly ITestOutputHelper _output;
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-parity-").FullName;

    public SafetensorsParityTests(TrainedExportModel trained, ITestOutputHelper output) => (_trained, _output) = (trained, output);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_PyTorch_loads_an_exported_pair_it_should_give_the_librarys_logits_within_1e_5()
    {
        // Arrange
        string? python = PythonTool.Find("torch");
        if (python is null)
        {
            _output.WriteLine("python3 with torch not found: the check runs in CI (CI=true makes this a failure).");
            return;
        }

        var model = _trained.Model;
        string path = Path.Combine(_folder, "model.safetensors");
        model.ExportSafetensors(path);
        var x = ExportAssertions.RandomFeatures(300, 8, seed: 11, scale: 2);
        string features = WriteCsv(Path.Combine(_folder, "features.csv"), [.. Enumerable.Range(0, 8).Select(j => $"f{j}")], x);
        var logits = model.Predict(x);
        string expected = WriteLogits(Path.Combine(_folder, "expected.csv"), model, logits);

        // Act
        var (exitCode, stdout, stderr) = PythonTool.Run(python, [PythonTool.Script("safetensors_parity.py"), "check", "--model", path, "--features", features, "--expected", expected]);

        // Assert
        _output.WriteLine(stdout + stderr);
        exitCode.Should().Be(0, stdout + stderr);
        stdout.Should().Contain("300 rows x 4 heads");
    }

    [Fact]
    public void When_a_pair_written_by_PyTorch_is_imported_it_should_predict_PyTorchs_logits_within_1e_5()
    {
        // Arrange
        string? python = PythonTool.Find("torch");
        if (python is null)
        {
            _output.WriteLine("python3 with torch not found: the check runs in CI (CI=true makes this a failure).");
            return;
        }

        var (writeCode, writeOut, writeErr) = PythonTool.Run(python, [PythonTool.Script("safetensors_parity.py"), "write", "--out", _folder, "--seed", "5"]);
        writeCode.Should().Be(0, writeOut + writeErr);
        var (features, expected) = (ReadCsv(Path.Combine(_folder, "features.csv")), ReadCsv(Path.Combine(_folder, "expected.csv")));

        // Act
        using var model = MultiHeadModel.ImportSafetensors(Path.Combine(_folder, "model.safetensors"));
        var logits = model.Predict(features.Values);

        // Assert
        model.Heads.Select(h => h.Name).Should().Equal("story", "pace", "score");
        model.BackboneOptions!.Activation.Should().Be(Activation.GELU);
        model.Temperatures!["score"].Should().Be(1.5);
        int column = 0;
        foreach (var head in model.Heads)
        {
            var block = new float[features.Values.GetLength(0), head.ClassCount];
            for (int r = 0; r < block.GetLength(0); r++)
            {
                for (int c = 0; c < head.ClassCount; c++)
                {
                    block[r, c] = expected.Values[r, column + c];
                }
            }

            expected.Header[column].Should().Be($"{head.Name}_0");
            ExportAssertions.ShouldMatch(logits[head.Name], block, head.Name);
            column += head.ClassCount;
        }
    }

    private static string WriteCsv(string path, IReadOnlyList<string> header, float[,] values)
    {
        var text = new StringBuilder().AppendLine(string.Join(",", header));
        for (int r = 0; r < values.GetLength(0); r++)
        {
            text.AppendLine(string.Join(",", Enumerable.Range(0, values.GetLength(1)).Select(c => values[r, c].ToString("R", CultureInfo.InvariantCulture))));
        }

        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static string WriteLogits(string path, MultiHeadModel model, MultiHeadPrediction logits)
    {
        int rows = logits[model.Heads[0].Name].GetLength(0);
        var all = new float[rows, model.Heads.Sum(h => h.ClassCount)];
        int offset = 0;
        foreach (var head in model.Heads)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < head.ClassCount; c++)
                {
                    all[r, offset + c] = logits[head.Name][r, c];
                }
            }

            offset += head.ClassCount;
        }

        return WriteCsv(path, [.. model.Heads.SelectMany(h => Enumerable.Range(0, h.ClassCount).Select(c => $"{h.Name}_{c}"))], all);
    }

    private static (string[] Header, float[,] Values) ReadCsv(string path)
    {
        string[] lines = File.ReadAllLines(path);
        string[] header = lines[0].Split(',');
        var values = new float[lines.Length - 1, header.Length];
        for (int r = 1; r < lines.Length; r++)
        {
            string[] cells = lines[r].Split(',');
            for (int c = 0; c < header.Length; c++)
            {
                values[r - 1, c] = (float)double.Parse(cells[c], CultureInfo.InvariantCulture);
            }
        }

        return (header, values);
    }
}
