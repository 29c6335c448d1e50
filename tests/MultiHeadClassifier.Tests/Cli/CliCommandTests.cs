using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

public sealed class CliCommandTests(TrainedCliWorkspace trained) : IClassFixture<TrainedCliWorkspace>
{
    private CliWorkspace Workspace => trained.Workspace;

    [Fact]
    public void When_training_it_should_write_the_model_history_and_loss_plot()
    {
        // Arrange
        string historyPath = Path.Combine(trained.ModelDir, "history.csv");

        // Act
        var result = trained.TrainResult;

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        File.Exists(Path.Combine(trained.ModelDir, "model.mhc")).Should().BeTrue();
        File.Exists(Path.Combine(trained.ModelDir, "features.json")).Should().BeTrue();
        File.ReadAllBytes(Path.Combine(trained.ModelDir, "loss.png")).Take(4).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
        var lines = File.ReadAllLines(historyPath);
        lines[0].Should().Be("epoch,train_loss,valid_loss,train_loss_plot,valid_loss_plot,train_loss_dialog,valid_loss_dialog,train_loss_acting,valid_loss_acting,train_loss_makeup,valid_loss_makeup,learning_rate,seconds");
        lines.Should().HaveCount(4);
        result.Stdout.Should().Contain("epoch 3/3");
    }

    [Fact]
    public void When_evaluating_it_should_write_the_contract_json_matching_the_library_evaluator()
    {
        // Arrange
        string json = Workspace.PathOf("eval.json");
        string html = Workspace.PathOf("eval.html");

        // Act
        var result = Workspace.Run("evaluate", "--model", trained.ModelDir, "--data", Workspace.TestCsv, "--json", json, "--correction", "prior", "--decision", "median", "--report", html);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        using var model = MultiHeadModel.Load(Path.Combine(trained.ModelDir, "model.mhc"));
        var expected = ModelEvaluator.Evaluate(model, Workspace.Data.Slice(300, 100), LogitCorrection.Prior, DecisionRule.Median);
        foreach (string head in CliWorkspace.HeadNames)
        {
            var h = doc.RootElement.GetProperty("heads").GetProperty(head);
            foreach (string key in new[] { "accuracy", "balanced_accuracy", "macro_f1", "qwk", "mae", "nll", "brier", "ece", "support", "confusion_matrix" })
            {
                h.TryGetProperty(key, out _).Should().BeTrue($"head '{head}' should have '{key}'");
            }

            h.GetProperty("accuracy").GetDouble().Should().BeApproximately(expected.Heads[head].Metrics.Accuracy!.Value, 1e-9);
            h.GetProperty("nll").GetDouble().Should().BeApproximately(expected.Heads[head].Metrics.Nll!.Value, 1e-6);
        }

        doc.RootElement.GetProperty("mean").GetProperty("accuracy").GetDouble().Should().BeApproximately(expected.Mean.Accuracy!.Value, 1e-9);
        File.ReadAllText(html).Should().Contain("data:image/png;base64,").And.Contain("Head acting");
    }

    [Fact]
    public void When_predicting_shuffled_rows_it_should_keep_row_order_and_name_label_columns_by_head()
    {
        // Arrange
        var order = Enumerable.Range(300, 100).OrderBy(i => (i * 37) % 101).ToArray();
        string input = Workspace.WriteCsv("shuffled.csv", Workspace.Data, order, withLabels: false);
        string output = Workspace.PathOf("labels.csv");

        // Act
        var result = Workspace.Run("predict", "--model", trained.ModelDir, "--data", input, "--out", output);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        var lines = File.ReadAllLines(output);
        lines[0].Should().Be("plot,dialog,acting,makeup");
        lines.Should().HaveCount(order.Length + 1);
        using var model = MultiHeadModel.Load(Path.Combine(trained.ModelDir, "model.mhc"));
        for (int i = 0; i < order.Length; i++)
        {
            var row = Workspace.Data.Slice(order[i], 1);
            var probabilities = ModelCorrections.Probabilities(model.Predict(new MultiHeadDataset(Features(row))));
            var expected = CliWorkspace.HeadNames.Select(h => DecisionRule.Argmax.Decide(probabilities[h])[0].ToString(CultureInfo.InvariantCulture));
            lines[i + 1].Should().Be(string.Join(",", expected), $"output row {i} is input row {order[i]}");
        }
    }

    [Theory]
    [InlineData("probabilities")]
    [InlineData("logits")]
    public void When_predicting_scores_it_should_name_columns_head_underscore_class(string kind)
    {
        // Arrange
        string output = Workspace.PathOf($"{kind}.csv");

        // Act
        var result = Workspace.Run("predict", "--model", trained.ModelDir, "--data", Workspace.TestCsv, "--out", output, "--output", kind);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        var header = File.ReadLines(output).First().Split(',');
        header.Should().StartWith(["plot_0", "plot_1", "plot_2", "plot_3", "plot_4", "dialog_0"]);
        header.Should().HaveCount(20);
        if (kind == "probabilities")
        {
            var first = File.ReadLines(output).Skip(1).First().Split(',').Take(5).Sum(v => double.Parse(v, CultureInfo.InvariantCulture));
            first.Should().BeApproximately(1, 1e-5);
        }
    }

    [Fact]
    public void When_temperature_correction_has_no_calibration_data_it_should_fail_naming_the_option()
    {
        // Act
        var result = Workspace.Run("evaluate", "--model", trained.ModelDir, "--data", Workspace.TestCsv, "--json", Workspace.PathOf("t.json"), "--correction", "temperature");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("--correction-data");
    }

    [Theory]
    [InlineData("--correction-data")]
    [InlineData("--calibration-data")]
    public void When_temperature_correction_has_held_out_data_under_either_option_name_it_should_succeed(string option)
    {
        // Act
        var result = Workspace.Run("evaluate", "--model", trained.ModelDir, "--data", Workspace.TestCsv, "--json", Workspace.PathOf($"t2{option}.json"), "--correction", "prior+temperature", option, Workspace.TrainCsv);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
    }

    [Fact]
    public void When_the_thresholds_rule_has_no_held_out_data_it_should_exit_2_naming_the_option()
    {
        // Act
        var result = Workspace.Run("evaluate", "--model", trained.ModelDir, "--data", Workspace.TestCsv, "--json", Workspace.PathOf("th.json"), "--decision", "thresholds");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("--decision thresholds needs --correction-data");
    }

    [Theory]
    [InlineData("balanced")]
    [InlineData("thresholds")]
    public void When_a_calibrated_decision_rule_is_asked_for_it_should_evaluate_with_it(string decision)
    {
        // Act
        string json = Workspace.PathOf($"{decision}.json");
        var result = Workspace.Run("evaluate", "--model", trained.ModelDir, "--data", Workspace.TestCsv, "--json", json, "--correction", "prior", "--decision", decision, "--correction-data", Workspace.TrainCsv);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        document.RootElement.GetProperty("heads").GetProperty("plot").GetProperty("qwk").ValueKind.Should().Be(JsonValueKind.Number);
    }

    [Fact]
    public void When_evaluation_data_has_a_label_outside_the_model_classes_it_should_fail_naming_file_line_and_head()
    {
        // Arrange: column 11 is 'makeup'.
        string bad = Workspace.WithCell(Workspace.TestCsv, "badeval.csv", 8, 11, "5");

        // Act
        var result = Workspace.Run("evaluate", "--model", trained.ModelDir, "--data", bad, "--json", Workspace.PathOf("bad.json"));

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: badeval.csv line 8, column 'makeup', head 'makeup': label 5 is outside 0..4.");
    }

    [Fact]
    public void When_prediction_data_lacks_a_feature_column_it_should_fail_naming_the_column()
    {
        // Arrange
        string input = Workspace.PathOf("narrow.csv");
        File.WriteAllLines(input, File.ReadAllLines(Workspace.TestCsv).Select(l => string.Join(",", l.Split(',').Skip(1))));

        // Act
        var result = Workspace.Run("predict", "--model", trained.ModelDir, "--data", input, "--out", Workspace.PathOf("narrow-out.csv"));

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("narrow.csv").And.Contain("'f0'");
    }

    private static float[,] Features(MultiHeadDataset row)
    {
        var result = new float[1, row.FeatureCount];
        for (int j = 0; j < row.FeatureCount; j++)
        {
            result[0, j] = row.Features[j];
        }

        return result;
    }
}
