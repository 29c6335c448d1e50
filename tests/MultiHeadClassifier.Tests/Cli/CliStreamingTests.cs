using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Cli.Commands;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// <c>mhc train</c> streams its training file (one checking pass that caches the parsed rows, which then become a
/// temporary data file) and <c>mhc predict</c> and <c>mhc evaluate</c> score in chunks; these pin what that must not change: which error a file with several
/// reports, and that chunked output is the rows in input order.
/// </summary>
public sealed class CliStreamingTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private CliResult Train(string path, params string[] extra) =>
        _workspace.Run(["train", "--train", path, "--heads", string.Join(",", CliWorkspace.HeadNames), "--out", _workspace.PathOf("m"), "--epochs", "1", "--hidden", "8", "--seed", "3", .. extra]);

    [Fact]
    public void When_a_bad_label_comes_before_a_row_of_the_wrong_width_it_should_report_the_row_of_the_wrong_width()
    {
        // Arrange: line 4 has a bad label (column 9 is 'dialog'), line 9 an extra cell.
        string bad = _workspace.WithCell(_workspace.TrainCsv, "labelfirst.csv", 4, 9, "abc");
        bad = _workspace.WithCell(bad, "labelfirst.csv", 9, 11, "1,2");

        // Act
        var result = Train(bad);

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: labelfirst.csv line 9: has 13 cells, but the header has 12 columns.");
    }

    [Fact]
    public void When_a_bad_feature_comes_before_a_bad_label_it_should_report_the_label_as_the_in_memory_loader_did()
    {
        // Arrange: line 3, column 0 is 'f0'; line 7, column 10 is 'acting'.
        string bad = _workspace.WithCell(_workspace.TrainCsv, "featurefirst.csv", 3, 0, "abc");
        bad = _workspace.WithCell(bad, "featurefirst.csv", 7, 10, "x");

        // Act
        var result = Train(bad);

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().StartWith("error: featurefirst.csv line 7, column 'acting', head 'acting': 'x' is not a class index");
    }

    [Fact]
    public void When_labels_exceed_given_counts_in_two_heads_it_should_report_the_first_head_in_heads_order()
    {
        // Arrange: 'acting' (column 10) is out of range on line 3, 'plot' (column 8) on line 20.
        string bad = _workspace.WithCell(_workspace.TrainCsv, "twoheads.csv", 3, 10, "7");
        bad = _workspace.WithCell(bad, "twoheads.csv", 20, 8, "8");

        // Act
        var result = Train(bad, "--classes", "5");

        // Assert
        result.Stderr.Trim().Should().Be("error: twoheads.csv line 20, column 'plot', head 'plot': label 8 is outside 0..4.");
    }

    [Fact]
    public void When_a_head_is_given_more_classes_than_the_data_file_holds_it_should_fail_naming_the_head()
    {
        // Act
        var result = Train(_workspace.TrainCsv, "--classes", "acting=40000", "--class-weights", "none");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: --classes: head 'acting' has 40000 classes, but mhc train streams its data through a file that holds at most 32767 per head.");
    }

    [Fact]
    public void When_training_succeeds_it_should_report_the_rows_it_read_and_write_the_model_directory()
    {
        // Act
        var result = Train(_workspace.TrainCsv);

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stdout.Should().StartWith("Training on 300 rows, 8 features");
        File.Exists(Path.Combine(_workspace.PathOf("m"), "model.mhc")).Should().BeTrue();
    }

    [Fact]
    public void When_the_data_has_more_rows_than_one_chunk_it_should_write_every_row_in_input_order_as_its_parts_predicted_alone()
    {
        // Arrange: 9,000 rows, more than one chunk of 8,192.
        Train(_workspace.TrainCsv).ExitCode.Should().Be(0);
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 9000, Features = 8, Seed = 21 });
        string whole = _workspace.WriteCsv("whole.csv", data, Enumerable.Range(0, 9000), withLabels: false);
        string first = _workspace.WriteCsv("first.csv", data, Enumerable.Range(0, 8192), withLabels: false);
        string rest = _workspace.WriteCsv("rest.csv", data, Enumerable.Range(8192, 808), withLabels: false);

        // Act
        string Predict(string path, string name)
        {
            var result = _workspace.Run("predict", "--model", _workspace.PathOf("m"), "--data", path, "--out", _workspace.PathOf(name), "--output", "probabilities");
            result.ExitCode.Should().Be(0, result.Stderr);
            return File.ReadAllText(_workspace.PathOf(name));
        }

        string wholeOut = Predict(whole, "whole-out.csv");
        string firstOut = Predict(first, "first-out.csv");
        string restOut = Predict(rest, "rest-out.csv");

        // Assert
        string restRows = restOut[(restOut.IndexOf('\n', StringComparison.Ordinal) + 1)..];
        wholeOut.Should().Be(firstOut + restRows);
        wholeOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(9001);
        Directory.GetFiles(_workspace.Directory, "*.tmp").Should().BeEmpty();
    }

    [Fact]
    public void When_evaluate_reads_more_rows_than_one_chunk_it_should_write_the_whole_data_evaluation_exactly()
    {
        // Arrange: 20,000 rows (three chunks of up to 8,192), 10% of labels missing; the expected JSON is the
        // library's whole-data evaluation of the same file read at once.
        Train(_workspace.TrainCsv).ExitCode.Should().Be(0);
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 20000, Features = 8, Seed = 22, MissingRate = 0.1 });
        string path = _workspace.WriteCsv("big.csv", data, Enumerable.Range(0, 20000));
        string expected;
        using (var model = ModelDirectory.Load(_workspace.PathOf("m")))
        {
            var (_, whole) = ModelInputs.Read(model, path, withLabels: true);
            expected = model.Evaluate(whole, LogitCorrection.Prior, DecisionRule.Median).ToJson();
        }

        // Act
        var result = _workspace.Run("evaluate", "--model", _workspace.PathOf("m"), "--data", path, "--json", _workspace.PathOf("big.json"),
            "--correction", "prior", "--decision", "median", "--report", _workspace.PathOf("big.html"));

        // Assert
        result.ExitCode.Should().Be(0, result.Stderr);
        File.ReadAllText(_workspace.PathOf("big.json")).Should().Be(expected);
        File.Exists(_workspace.PathOf("big.html")).Should().BeTrue();
    }

    [Fact]
    public void When_evaluate_finds_bad_labels_in_two_heads_in_different_chunks_it_should_report_the_first_head_as_the_whole_file_read_did()
    {
        // Arrange: 'dialog' (column 9) is bad on line 3, in the first chunk; 'plot' (column 8) on line 9,000, in the
        // second. Read whole, labels are parsed head by head, so 'plot' is reported.
        Train(_workspace.TrainCsv).ExitCode.Should().Be(0);
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 9000, Features = 8, Seed = 23 });
        string bad = _workspace.WithCell(_workspace.WriteCsv("bad.csv", data, Enumerable.Range(0, 9000)), "bad.csv", 3, 9, "x");
        bad = _workspace.WithCell(bad, "bad.csv", 9000, 8, "9");

        // Act
        var result = _workspace.Run("evaluate", "--model", _workspace.PathOf("m"), "--data", bad, "--json", _workspace.PathOf("bad.json"));

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: bad.csv line 9000, column 'plot', head 'plot': label 9 is outside 0..4.");
        File.Exists(_workspace.PathOf("bad.json")).Should().BeFalse();
    }
}
