using System.Text.Json.Nodes;
using FluentAssertions;
using MultiHeadClassifier.Cli;
using Xunit;
using static MultiHeadClassifier.Tests.Cli.ParquetTestFiles;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// Parquet input (a file whose name ends in <c>.parquet</c>) for <c>--train</c>, <c>--valid</c>, <c>--data</c> and
/// <c>--correction-data</c>: the same rows give the same model and output as CSV; nulls are missing values; a column
/// of the wrong type or a missing column is an error naming the file, the column and, for cells, the row.
/// </summary>
public sealed class CliParquetTests : IDisposable
{
    private static readonly string Heads = string.Join(",", CliWorkspace.HeadNames);
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string TrainParquet(string name = "train.parquet") =>
        Write(_workspace.PathOf(name), FromDataset(_workspace.Data, Enumerable.Range(0, 300), CliWorkspace.HeadNames), rowGroupRows: 128);

    private string TestParquet(string name = "test.parquet") =>
        Write(_workspace.PathOf(name), FromDataset(_workspace.Data, Enumerable.Range(300, 100), CliWorkspace.HeadNames), rowGroupRows: 64);

    private CliResult Train(string train, string dir, params string[] more) =>
        _workspace.Run(["train", "--train", train, "--heads", Heads, "--out", dir, "--epochs", "2", "--hidden", "8", "--batch-size", "32", "--seed", "5", .. more]);

    [Fact]
    public void When_the_same_rows_come_from_Parquet_and_CSV_it_should_train_identical_models_and_predict_identical_output()
    {
        // Arrange: the CSV files hold the dataset's floats as round-trip text, the Parquet files the floats themselves,
        // in row groups of 128 (train) and 64 (test) rows; the validation and held-out data come from the same rows.
        string csvDir = _workspace.PathOf("from-csv");
        string parquetDir = _workspace.PathOf("from-parquet");

        // Act
        var fromCsv = Train(_workspace.TrainCsv, csvDir, "--valid", _workspace.TestCsv);
        var fromParquet = Train(TrainParquet(), parquetDir, "--valid", TestParquet());
        var predictCsv = _workspace.Run("predict", "--model", csvDir, "--data", _workspace.TestCsv, "--out", _workspace.PathOf("p-csv.csv"), "--output", "logits");
        var predictParquet = _workspace.Run("predict", "--model", parquetDir, "--data", TestParquet("data.parquet"), "--out", _workspace.PathOf("p-parquet.csv"), "--output", "logits");
        var evaluateParquet = _workspace.Run("evaluate", "--model", parquetDir, "--data", TestParquet("eval.parquet"), "--json", _workspace.PathOf("m-parquet.json"), "--correction", "temperature", "--correction-data", TestParquet("held.parquet"));
        var evaluateCsv = _workspace.Run("evaluate", "--model", csvDir, "--data", _workspace.TestCsv, "--json", _workspace.PathOf("m-csv.json"), "--correction", "temperature", "--correction-data", _workspace.TestCsv);

        // Assert
        foreach (var result in new[] { fromCsv, fromParquet, predictCsv, predictParquet, evaluateParquet, evaluateCsv })
        {
            result.ExitCode.Should().Be(0, result.Stderr);
        }

        File.ReadAllBytes(Path.Combine(parquetDir, "model.mhc")).Should().Equal(File.ReadAllBytes(Path.Combine(csvDir, "model.mhc")));
        File.ReadAllText(_workspace.PathOf("p-parquet.csv")).Should().Be(File.ReadAllText(_workspace.PathOf("p-csv.csv")));
        File.ReadAllText(_workspace.PathOf("m-parquet.json")).Should().Be(File.ReadAllText(_workspace.PathOf("m-csv.json")));
    }

    [Fact]
    public void When_a_feature_is_null_it_should_be_an_error_naming_row_group_and_column_unless_imputed_with_the_mean()
    {
        // Arrange: f2 of data row 131 (row group 1 of 128-row groups) is null; its mean is over the other 299 rows.
        var columns = FromDataset(_workspace.Data, Enumerable.Range(0, 300), CliWorkspace.HeadNames);
        float[] f2 = (float[])columns[2].Values;
        float?[] withNull = [.. f2.Select((v, r) => r == 130 ? (float?)null : v)];
        columns[2] = new Column("f2", withNull);
        string path = Write(_workspace.PathOf("nulls.parquet"), columns, rowGroupRows: 128);
        double expectedMean = f2.Where((_, r) => r != 130).Select(v => (double)v).Average();

        // Act
        var strict = Train(path, _workspace.PathOf("strict"));
        var imputed = Train(path, _workspace.PathOf("imputed"), "--missing-features", "mean");

        // Assert
        strict.ExitCode.Should().Be(CliException.UsageExitCode);
        strict.Stderr.Trim().Should().Be("error: nulls.parquet row 131 (row group 1), column 'f2': the value is missing (to impute missing values, train with --missing-features mean).");
        imputed.ExitCode.Should().Be(0, imputed.Stderr);
        double mean = JsonNode.Parse(File.ReadAllText(_workspace.PathOf("imputed/imputation.json")))!["means"]!["f2"]!.GetValue<double>();
        mean.Should().BeApproximately(expectedMean, 1e-12);
    }

    [Fact]
    public void When_a_label_is_null_it_should_count_as_a_missing_label()
    {
        // Arrange: the test rows as Parquet with 'plot' null in 3 more rows than the dataset has missing.
        var columns = FromDataset(_workspace.Data, Enumerable.Range(300, 100), CliWorkspace.HeadNames);
        int?[] plot = (int?[])columns[8].Values;
        int alreadyMissing = plot.Count(y => y is null);
        int[] cleared = [.. Enumerable.Range(0, 100).Where(r => plot[r] is not null).Take(3)];
        foreach (int r in cleared)
        {
            plot[r] = null;
        }

        string data = Write(_workspace.PathOf("labels.parquet"), columns, rowGroupRows: 40);
        string dir = _workspace.PathOf("model");
        var trained = Train(_workspace.TrainCsv, dir);

        // Act
        var result = _workspace.Run("evaluate", "--model", dir, "--data", data, "--json", _workspace.PathOf("m.json"));

        // Assert
        trained.ExitCode.Should().Be(0, trained.Stderr);
        result.ExitCode.Should().Be(0, result.Stderr);
        var plotMetrics = JsonNode.Parse(File.ReadAllText(_workspace.PathOf("m.json")))!["heads"]!["plot"]!;
        plotMetrics["missing"]!.GetValue<int>().Should().Be(alreadyMissing + 3);
        plotMetrics["labelled"]!.GetValue<int>().Should().Be(100 - alreadyMissing - 3);
    }

    [Fact]
    public void When_a_label_is_negative_it_should_fail_naming_row_column_and_head_and_that_null_is_the_missing_label()
    {
        // Arrange: 'plot' (column 8) as int64, -2 in data row 42.
        var columns = FromDataset(_workspace.Data, Enumerable.Range(0, 300), CliWorkspace.HeadNames);
        columns[8] = new Column("plot", ((int?[])columns[8].Values).Select((y, r) => r == 41 ? -2L : y ?? 0).ToArray());
        string path = Write(_workspace.PathOf("negative.parquet"), columns, rowGroupRows: 300);

        // Act
        var result = Train(path, _workspace.PathOf("m"));

        // Assert: a Parquet file has no empty cells; its missing label is a null.
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: negative.parquet row 42 (row group 0), column 'plot', head 'plot': '-2' is not a class index (an integer 0..K-1, or null for a missing label).");
    }

    [Fact]
    public void When_a_feature_column_holds_text_it_should_fail_naming_the_file_column_and_type()
    {
        // Arrange
        var columns = FromDataset(_workspace.Data, Enumerable.Range(0, 300), CliWorkspace.HeadNames);
        columns[1] = new Column("f1", ((float[])columns[1].Values).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        string path = Write(_workspace.PathOf("text.parquet"), columns, rowGroupRows: 300);

        // Act
        var result = Train(path, _workspace.PathOf("m"));

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: text.parquet: column 'f1' holds string values; a feature column must hold numbers (float, double or an integer type).");
    }

    [Fact]
    public void When_a_label_column_holds_doubles_it_should_fail_naming_the_file_column_and_type()
    {
        // Arrange
        var columns = FromDataset(_workspace.Data, Enumerable.Range(0, 300), CliWorkspace.HeadNames);
        columns[9] = new Column("dialog", ((int?[])columns[9].Values).Select(y => (double?)y).ToArray());
        string path = Write(_workspace.PathOf("double-label.parquet"), columns, rowGroupRows: 300);

        // Act
        var result = Train(path, _workspace.PathOf("m"));

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: double-label.parquet: column 'dialog' holds double values; a label column must hold integers (class indices).");
    }

    [Fact]
    public void When_a_double_feature_is_outside_the_float_range_it_should_fail_naming_row_and_column_even_when_imputing()
    {
        // Arrange: f0 as doubles, 1e300 in data row 7.
        var columns = FromDataset(_workspace.Data, Enumerable.Range(0, 300), CliWorkspace.HeadNames);
        columns[0] = new Column("f0", ((float[])columns[0].Values).Select((v, r) => r == 6 ? 1e300 : v).ToArray());
        string path = Write(_workspace.PathOf("huge.parquet"), columns, rowGroupRows: 100);

        // Act
        var result = Train(path, _workspace.PathOf("m"), "--missing-features", "mean");

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: huge.parquet row 7 (row group 0), column 'f0': '1E+300' is outside the range of a 32-bit float (about ±3.4E+38).");
    }

    [Fact]
    public void When_a_feature_column_is_missing_from_the_data_it_should_fail_naming_it()
    {
        // Arrange
        string dir = _workspace.PathOf("model");
        var trained = Train(_workspace.TrainCsv, dir);
        var columns = FromDataset(_workspace.Data, Enumerable.Range(300, 100), CliWorkspace.HeadNames);
        columns.RemoveAt(3);
        string data = Write(_workspace.PathOf("narrow.parquet"), columns, rowGroupRows: 100);

        // Act
        var result = _workspace.Run("predict", "--model", dir, "--data", data, "--out", _workspace.PathOf("p.csv"));

        // Assert
        trained.ExitCode.Should().Be(0, trained.Stderr);
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: narrow.parquet: feature column 'f3' is missing from the header.");
        File.Exists(_workspace.PathOf("p.csv")).Should().BeFalse();
    }

    [Fact]
    public void When_the_file_is_not_Parquet_it_should_fail_naming_the_file()
    {
        // Arrange
        string path = _workspace.PathOf("fake.parquet");
        File.WriteAllText(path, "f0,plot\n1,0\n");

        // Act
        var result = Train(path, _workspace.PathOf("m"));

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Should().StartWith("error: fake.parquet: not a readable Parquet file");
        result.Stderr.Trim().Split('\n').Should().HaveCount(1);
    }

    [Fact]
    public void When_a_row_groups_pages_are_corrupt_it_should_fail_naming_the_file_row_group_and_column()
    {
        // Arrange: a valid file whose first column chunk (f0 of row group 0, right after the 4-byte magic) has its
        // page header overwritten, so the footer still reads but the page does not.
        string path = TrainParquet("corrupt.parquet");
        byte[] bytes = File.ReadAllBytes(path);
        bytes.AsSpan(4, 64).Fill(0xFF);
        File.WriteAllBytes(path, bytes);

        // Act
        var result = Train(path, _workspace.PathOf("m"));

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Should().StartWith("error: corrupt.parquet row group 0, column 'f0': cannot be read (");
        result.Stderr.Trim().Split('\n').Should().HaveCount(1);
    }
}
