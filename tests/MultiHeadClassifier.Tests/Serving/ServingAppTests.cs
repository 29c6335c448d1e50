using System.Globalization;
using System.Text;
using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Export;
using MultiHeadClassifier.Serving;
using MultiHeadClassifier.Tests.Export;
using Xunit;

namespace MultiHeadClassifier.Tests.Serving;

/// <summary>The serving sample (ONNX Runtime only) scores a CSV as the library predicts and corrects it.</summary>
public sealed class ServingAppTests : IClassFixture<TrainedExportModel>, IDisposable
{
    private readonly TrainedExportModel _trained;
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-serve-").FullName;

    public ServingAppTests(TrainedExportModel trained) => _trained = trained;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_a_csv_with_a_missing_cell_is_scored_it_should_write_the_librarys_corrected_probabilities_and_labels()
    {
        // Arrange: feature columns in a shuffled order with an extra column, one cell missing.
        var model = _trained.Model;
        model.Temperatures = _trained.PriorTemperatures;
        string[] names = [.. Enumerable.Range(0, 8).Select(j => $"x{j}")];
        double[] means = [.. Enumerable.Range(0, 8).Select(j => 0.1 * j)];
        string onnx = Path.Combine(_folder, "model.onnx");
        model.ExportOnnx(onnx, new OnnxExportOptions { Probabilities = LogitCorrection.PriorAndTemperature, ImputationMeans = means, FeatureNames = names });
        var x = ExportAssertions.RandomFeatures(40, 8, seed: 2);
        var csv = new StringBuilder().AppendLine("id," + string.Join(",", names.Reverse()));
        for (int r = 0; r < 40; r++)
        {
            csv.AppendLine($"{r}," + string.Join(",", Enumerable.Range(0, 8).Reverse().Select(j => r == 5 && j == 3 ? string.Empty : x[r, j].ToString("R", CultureInfo.InvariantCulture))));
        }

        File.WriteAllText(Path.Combine(_folder, "rows.csv"), csv.ToString());
        x[5, 3] = (float)means[3];

        // Act
        int probabilitiesCode = Run("--model", onnx, "--data", Path.Combine(_folder, "rows.csv"), "--out", Path.Combine(_folder, "p.csv"));
        int labelsCode = Run("--model", onnx, "--data", Path.Combine(_folder, "rows.csv"), "--out", Path.Combine(_folder, "l.csv"), "--output", "labels", "--batch-size", "7");

        // Assert
        probabilitiesCode.Should().Be(0);
        labelsCode.Should().Be(0);
        var expected = ModelCorrections.Probabilities(ModelCorrections.Apply(model, model.Predict(x), LogitCorrection.PriorAndTemperature));
        string[] written = File.ReadAllLines(Path.Combine(_folder, "p.csv"));
        string[] labels = File.ReadAllLines(Path.Combine(_folder, "l.csv"));
        written[0].Should().StartWith("plot_0,plot_1,");
        labels[0].Should().Be("plot,dialog,acting,makeup");
        int offset = 0;
        foreach (string head in TestData.HeadNames)
        {
            var actual = new float[40, 5];
            for (int r = 0; r < 40; r++)
            {
                var cells = written[r + 1].Split(',');
                for (int c = 0; c < 5; c++)
                {
                    actual[r, c] = float.Parse(cells[offset + c], CultureInfo.InvariantCulture);
                }

                int best = Enumerable.Range(0, 5).MaxBy(c => expected[head][r, c]);
                labels[r + 1].Split(',')[offset / 5].Should().Be(best.ToString(CultureInfo.InvariantCulture));
            }

            ExportAssertions.ShouldMatch(actual, expected[head], head);
            offset += 5;
        }
    }

    [Fact]
    public void When_a_cell_is_missing_and_the_model_has_no_imputation_it_should_exit_2_naming_line_and_column()
    {
        // Arrange
        string onnx = Path.Combine(_folder, "plain.onnx");
        _trained.Model.ExportOnnx(onnx);
        File.WriteAllText(Path.Combine(_folder, "gap.csv"), "a,b,c,d,e,f,g,h\n1,2,3,4,5,6,7,8\n1,2,,4,5,6,7,8\n");

        // Act
        using var stderr = new StringWriter();
        int code = ServingApp.Run(["--model", onnx, "--data", Path.Combine(_folder, "gap.csv"), "--out", Path.Combine(_folder, "o.csv")], TextWriter.Null, stderr);

        // Assert
        code.Should().Be(2);
        stderr.ToString().Trim().Should().Be($"error: {Path.Combine(_folder, "gap.csv")} line 3, column 'c': the cell is missing, and the model has no imputation (export it from a model trained with --missing-features mean).");
    }

    private static int Run(params string[] args) => ServingApp.Run(args, TextWriter.Null, TextWriter.Null);
}
