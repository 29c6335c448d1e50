using System.Globalization;
using System.Text;
using CsvHelper;
using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Cli.Reporting;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// Pins the bytes of the CSV files <c>mhc</c> writes (<c>history.csv</c> and <c>predict</c>'s output), which other
/// tools read: RFC 4180 quoting of exactly the names that contain a comma, a quote, CR or LF (and of no other cell),
/// empty unquoted cells for missing values, numbers in the invariant culture's round-trip ("R") format (predict's
/// scores as 32-bit floats in their shortest form), and the
/// platform's line ending after every record, the last one included.
/// </summary>
public sealed class CliCsvOutputTests : IDisposable
{
    private static readonly string[] FeatureNames = ["f0", "f1", "f2"];

    // A comma and quotes; spaces at both ends (not quoted: only , " CR LF are); a bare CR; a bare LF; a plain name.
    private static readonly HeadDefinition[] Heads =
    [
        new("say \"hi\", twice", 2), new(" padded ", 2), new("cr\ronly", 2), new("line\nbreak", 2), new("plain", 3),
    ];

    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void When_writing_history_it_should_quote_names_per_RFC_4180_leave_missing_cells_empty_and_format_numbers_round_trip()
    {
        // Arrange: numbers whose round-trip text is known (shortest round-trip digits, at least two exponent digits).
        string path = _workspace.PathOf("history.csv");
        string[] heads = ["a,b", "q\"x"];
        var history = new TrainingHistory(
            [
                new EpochSummary(1, 0.1 + 0.2, Losses(("a,b", 1.0 / 3), ("q\"x", 1e-300)), 2.5, Losses(("a,b", 0.25), ("q\"x", 1e300)), 0.001, TimeSpan.FromSeconds(1.5)),
                new EpochSummary(2, double.Epsilon, Losses(("a,b", 12345678.9)), null, null, 1e-5, TimeSpan.FromMilliseconds(250)),
            ],
            BestEpoch: null,
            StoppedEarly: false,
            Seed: 1,
            ClassWeights: new Dictionary<string, float[]>());
        string nl = Environment.NewLine;
        string expected =
            "epoch,train_loss,valid_loss,\"train_loss_a,b\",\"valid_loss_a,b\",\"train_loss_q\"\"x\",\"valid_loss_q\"\"x\",learning_rate,seconds" + nl +
            "1,0.30000000000000004,2.5,0.3333333333333333,0.25,1E-300,1E+300,0.001,1.5" + nl +
            "2,5E-324,,12345678.9,,,,1E-05,0.25" + nl;

        // Act
        HistoryCsv.Write(path, history, heads);

        // Assert
        File.ReadAllBytes(path).Should().Equal(Encoding.UTF8.GetBytes(expected), "the file is UTF-8 without a byte-order mark");
    }

    [Fact]
    public void When_training_with_a_quote_in_a_head_name_it_should_write_a_history_that_parses_back_with_round_trip_numbers()
    {
        // Arrange: the 'acting' column is renamed act"ing (a quote inside an unquoted header cell is part of the name).
        string train = WithActingRenamed(_workspace.TrainCsv, "quoted-train.csv");
        string valid = WithActingRenamed(_workspace.TestCsv, "quoted-valid.csv");
        string dir = _workspace.PathOf("quoted-model");
        string[] heads = ["plot", "dialog", "act\"ing", "makeup"];

        // Act
        var result = _workspace.Run("train", "--train", train, "--valid", valid, "--heads", string.Join(",", heads), "--out", dir, "--epochs", "2", "--batch-size", "32", "--hidden", "8", "--seed", "2");

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        string text = File.ReadAllText(Path.Combine(dir, "history.csv"));
        text.Should().StartWith("epoch,train_loss,valid_loss,train_loss_plot,valid_loss_plot,train_loss_dialog,valid_loss_dialog,\"train_loss_act\"\"ing\",\"valid_loss_act\"\"ing\",train_loss_makeup,valid_loss_makeup,learning_rate,seconds" + Environment.NewLine);
        var records = Parse(text);
        records.Should().HaveCount(3);
        records[0].Should().Equal(["epoch", "train_loss", "valid_loss", .. heads.SelectMany(h => new[] { "train_loss_" + h, "valid_loss_" + h }), "learning_rate", "seconds"]);
        for (int e = 1; e <= 2; e++)
        {
            string[] row = records[e];
            row[0].Should().Be(e.ToString(CultureInfo.InvariantCulture));
            double[] values = row.Skip(1).Select(c => RoundTrip(c)).ToArray();
            values[0].Should().BeApproximately(Enumerable.Range(0, heads.Length).Sum(h => values[2 + (2 * h)]), 1e-9, "the train loss is the sum of the head losses (loss weights 1)");
            values[1].Should().BeApproximately(Enumerable.Range(0, heads.Length).Sum(h => values[3 + (2 * h)]), 1e-9, "the validation loss is the sum of the head losses");
            values[^2].Should().Be(new MultiHeadTrainerOptions().LearningRate);
        }
    }

    [Theory]
    [InlineData("labels")]
    [InlineData("probabilities")]
    [InlineData("logits")]
    public void When_predicting_with_special_head_names_it_should_write_RFC_4180_quoted_headers_and_round_trip_numbers(string kind)
    {
        // Arrange: a model made with the library, whose head names could not come through --heads.
        string dir = _workspace.PathOf("special-model");
        float[,] features = { { 0.5f, -1.25f, 2f }, { -0.3f, 0.1f, 0f }, { 3f, 1e-3f, -2.5f } };
        string input = _workspace.PathOf("special-input.csv");
        File.WriteAllText(input, "f0,f1,f2\n0.5,-1.25,2\n-0.3,0.1,0\n3,0.001,-2.5\n");
        string output = _workspace.PathOf($"special-{kind}.csv");
        string[] columns;
        string[][] cells;
        using (var model = MultiHeadModel.Create(FeatureNames.Length, Heads, new MultiHeadModelOptions { Seed = 11 }))
        {
            ModelDirectory.Save(dir, model, FeatureNames, means: null);
            (columns, cells) = Expected(model.Predict(features), kind);
        }

        // Act
        var result = _workspace.Run("predict", "--model", dir, "--data", input, "--out", output, "--output", kind);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        var expected = new StringBuilder();
        foreach (var record in cells.Prepend(columns.Select(Rfc4180).ToArray()))
        {
            expected.Append(string.Join(",", record)).Append(Environment.NewLine);
        }

        File.ReadAllText(output).Should().Be(expected.ToString());
        var records = Parse(File.ReadAllText(output));
        records[0].Should().Equal(columns, "quoted names read back as written");
        records.Skip(1).SelectMany(r => r).Select(FloatRoundTrip).Should().Equal(cells.SelectMany(r => r).Select(c => float.Parse(c, CultureInfo.InvariantCulture)));
    }

    /// <summary>The expected columns and cells of <c>mhc predict</c>, from the library's own prediction.</summary>
    private static (string[] Columns, string[][] Cells) Expected(MultiHeadPrediction logits, string kind)
    {
        int rows = logits.RowCount;
        var columns = new List<string>();
        var cells = Enumerable.Range(0, rows).Select(_ => new List<string>()).ToArray();
        var probabilities = ModelCorrections.Probabilities(logits);
        foreach (var head in Heads)
        {
            if (kind == "labels")
            {
                columns.Add(head.Name);
                int[] labels = DecisionRule.Argmax.Decide(probabilities[head.Name]);
                for (int r = 0; r < rows; r++)
                {
                    cells[r].Add(labels[r].ToString(CultureInfo.InvariantCulture));
                }

                continue;
            }

            for (int c = 0; c < head.ClassCount; c++)
            {
                columns.Add(head.Name + "_" + c.ToString(CultureInfo.InvariantCulture));
                for (int r = 0; r < rows; r++)
                {
                    // Logits are floats, written as they are; probabilities are doubles, written as the nearest float.
                    float value = kind == "logits" ? logits[head.Name][r, c] : (float)probabilities[head.Name][r, c];
                    cells[r].Add(value.ToString("R", CultureInfo.InvariantCulture));
                }
            }
        }

        return (columns.ToArray(), cells.Select(r => r.ToArray()).ToArray());
    }

    private string WithActingRenamed(string source, string name)
    {
        string[] lines = File.ReadAllLines(source);
        lines[0] = lines[0].Replace("acting", "act\"ing", StringComparison.Ordinal);
        string path = _workspace.PathOf(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static IReadOnlyDictionary<string, double> Losses(params (string Head, double Loss)[] losses) =>
        losses.ToDictionary(l => l.Head, l => l.Loss, StringComparer.Ordinal);

    /// <summary>RFC 4180 §2.6–2.7: a field with a comma, quote, CR or LF is enclosed in quotes, and its quotes doubled.</summary>
    private static string Rfc4180(string field) =>
        field.Contains(',', StringComparison.Ordinal) || field.Contains('"', StringComparison.Ordinal) || field.Contains('\r', StringComparison.Ordinal) || field.Contains('\n', StringComparison.Ordinal)
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;

    /// <summary>Parses a number cell and checks that it is the round-trip text of the value it parses to.</summary>
    private static double RoundTrip(string cell)
    {
        double value = double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);
        value.ToString("R", CultureInfo.InvariantCulture).Should().Be(cell);
        return value;
    }

    /// <summary>
    /// Parses a score cell as a float and checks that it is that float's shortest round-trip text: at most 9
    /// significant digits (a float's 17-digit double widening, e.g. 0.10000000149011612, would fail).
    /// </summary>
    private static float FloatRoundTrip(string cell)
    {
        float value = float.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);
        value.ToString("R", CultureInfo.InvariantCulture).Should().Be(cell);
        string mantissa = cell.Split('E')[0].TrimStart('-').Replace(".", string.Empty, StringComparison.Ordinal).TrimStart('0');
        mantissa.Length.Should().BeLessThanOrEqualTo(9, $"'{cell}' is a float in its shortest form");
        return value;
    }

    private static List<string[]> Parse(string text)
    {
        using var reader = CsvReader.FromText(text, new CsvReaderOptions { HasHeader = false, Separator = ',', DetectSeparatorHint = false });
        var records = new List<string[]>();
        while (reader.Read())
        {
            records.Add([.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)]);
        }

        return records;
    }
}
