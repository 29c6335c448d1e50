using System.Globalization;
using System.Text.Json.Nodes;
using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Cli.Input;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// <c>--na-values</c> replaces the set of CSV feature cells that mean "missing" (an empty cell, NA and NaN by
/// default): train stores a non-default set with the model, evaluate and predict use it unless given their own, and
/// any other cell that is not a number stays an error naming file, line, column and value.
/// </summary>
public sealed class CliNaValuesTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData(",NA,null", new[] { "", "NA", "null" })]
    [InlineData("NA,null", new[] { "NA", "null" })]
    [InlineData("<empty>, -999 ", new[] { "", "-999" })]
    [InlineData("", new[] { "" })]
    public void When_na_values_are_parsed_it_should_keep_exactly_the_listed_tokens_with_an_empty_entry_for_the_empty_cell(string option, string[] expected)
    {
        // Act
        var set = MissingValues.Parse(option);

        // Assert
        set.Tokens.Should().Equal(expected);
    }

    [Fact]
    public void When_a_sentinel_number_is_a_missing_value_it_should_match_the_cell_exactly_and_leave_other_numbers_alone()
    {
        // Arrange
        var set = MissingValues.Parse("-999");

        // Act
        var sentinel = set.Classify("-999"u8, out _);
        var other = set.Classify("-999.0"u8, out float value);
        var empty = set.Classify(""u8, out _);

        // Assert
        sentinel.Should().Be(CellKind.Missing);
        other.Should().Be(CellKind.Number);
        value.Should().Be(-999f);
        empty.Should().Be(CellKind.NotANumber, "the set replaces the default, so an empty cell is no longer missing");
    }

    [Fact]
    public void When_training_with_na_values_it_should_store_them_and_predict_a_null_cell_as_the_training_mean()
    {
        // Arrange: line 3 (data row 1) of the training file gets 'null' in f0; the model imputes f0's mean over the
        // other 299 rows, which is computed here from the dataset the file was written from.
        string train = _workspace.WithCell(_workspace.TrainCsv, "train-null.csv", 3, 0, "null");
        string dir = _workspace.PathOf("model");
        var data = _workspace.Data;
        double sum = 0;
        for (int r = 0; r < 300; r++)
        {
            sum += r == 1 ? 0 : data.Features[r * data.FeatureCount];
        }

        float mean = (float)(sum / 299);
        string withNull = _workspace.WithCell(_workspace.TestCsv, "test-null.csv", 2, 0, "null");
        string withMean = _workspace.WithCell(_workspace.TestCsv, "test-mean.csv", 2, 0, mean.ToString("R", CultureInfo.InvariantCulture));

        // Act
        var trained = _workspace.Run("train", "--train", train, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", dir, "--epochs", "1", "--hidden", "8", "--seed", "1", "--missing-features", "mean", "--na-values", ",NA,null");
        var fromNull = _workspace.Run("predict", "--model", dir, "--data", withNull, "--out", _workspace.PathOf("p-null.csv"), "--output", "logits");
        var fromMean = _workspace.Run("predict", "--model", dir, "--data", withMean, "--out", _workspace.PathOf("p-mean.csv"), "--output", "logits");

        // Assert
        trained.ExitCode.Should().Be(0, trained.Stderr);
        JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "features.json")))!["na_values"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("", "NA", "null");
        fromNull.ExitCode.Should().Be(0, fromNull.Stderr);
        fromMean.ExitCode.Should().Be(0, fromMean.Stderr);
        File.ReadAllText(_workspace.PathOf("p-null.csv")).Should().Be(File.ReadAllText(_workspace.PathOf("p-mean.csv")));
    }

    [Fact]
    public void When_predict_gives_its_own_na_values_it_should_replace_the_stored_set()
    {
        // Arrange: a model trained with 'null' as a missing value, then data with 'null', read with only NA missing.
        string dir = _workspace.PathOf("model");
        var trained = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", dir, "--epochs", "1", "--hidden", "8", "--seed", "1", "--missing-features", "mean", "--na-values", "null");
        string withNull = _workspace.WithCell(_workspace.TestCsv, "test-null.csv", 4, 2, "null");

        // Act
        var result = _workspace.Run("predict", "--model", dir, "--data", withNull, "--out", _workspace.PathOf("p.csv"), "--na-values", "NA");

        // Assert
        trained.ExitCode.Should().Be(0, trained.Stderr);
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: test-null.csv line 4, column 'f2': 'null' is not a number (a missing value is NA).");
    }

    [Fact]
    public void When_the_set_leaves_out_the_empty_cell_it_should_refuse_an_empty_feature_cell_even_when_imputing()
    {
        // Arrange
        string train = _workspace.WithCell(_workspace.TrainCsv, "train-empty.csv", 6, 1, string.Empty);

        // Act
        var result = _workspace.Run("train", "--train", train, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", _workspace.PathOf("m"), "--epochs", "1", "--missing-features", "mean", "--na-values", "NA,null");

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: train-empty.csv line 6, column 'f1': '' is not a number (a missing value is NA or null).");
    }

    [Fact]
    public void When_a_default_token_is_not_in_the_set_it_should_be_an_error_naming_line_column_and_value()
    {
        // Arrange
        string train = _workspace.WithCell(_workspace.TrainCsv, "train-na.csv", 7, 3, "NA");

        // Act
        var result = _workspace.Run("train", "--train", train, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", _workspace.PathOf("m"), "--epochs", "1", "--missing-features", "mean", "--na-values", ",null");

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: train-na.csv line 7, column 'f3': 'NA' is not a number (a missing value is an empty cell or null).");
    }

    [Fact]
    public void When_a_label_cell_is_in_the_set_it_should_still_be_an_error_since_the_set_is_for_feature_cells()
    {
        // Arrange: column 8 is the head 'plot'.
        string train = _workspace.WithCell(_workspace.TrainCsv, "train-label.csv", 5, 8, "null");

        // Act
        var result = _workspace.Run("train", "--train", train, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", _workspace.PathOf("m"), "--epochs", "1", "--na-values", ",null");

        // Assert
        result.ExitCode.Should().Be(CliException.UsageExitCode);
        result.Stderr.Trim().Should().Be("error: train-label.csv line 5, column 'plot', head 'plot': 'null' is not a class index (an integer 0..K-1, or empty for a missing label).");
    }
}
