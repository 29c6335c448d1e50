using FluentAssertions;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

public sealed class CliErrorTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void When_the_training_file_is_missing_it_should_fail_naming_the_file()
    {
        // Act
        var result = Train(_workspace.PathOf("absent.csv"));

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("absent.csv").And.Contain("not found");
        result.Stderr.Trim().Split('\n').Should().HaveCount(1);
    }

    [Fact]
    public void When_a_head_column_is_unknown_it_should_fail_naming_the_head()
    {
        // Act
        var result = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", "plot,story", "--out", _workspace.PathOf("m"), "--epochs", "1");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("head 'story'").And.Contain("train.csv");
    }

    [Fact]
    public void When_a_label_is_outside_the_class_range_it_should_fail_naming_line_column_and_head()
    {
        // Arrange: line 5 of the file, column 9 is 'dialog'.
        string bad = _workspace.WithCell(_workspace.TrainCsv, "badlabel.csv", 5, 9, "9");

        // Act
        var result = _workspace.Run("train", "--train", bad, "--heads", "plot,dialog,acting,makeup", "--classes", "5", "--out", _workspace.PathOf("m"), "--epochs", "1");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("badlabel.csv line 5").And.Contain("column 'dialog'").And.Contain("head 'dialog'").And.Contain("outside 0..4");
    }

    [Fact]
    public void When_a_label_is_outside_a_given_class_count_while_other_heads_are_inferred_it_should_fail_naming_line_column_and_head()
    {
        // Arrange: line 5 of the file, column 9 is 'dialog'; the other heads' class counts come from the labels.
        string bad = _workspace.WithCell(_workspace.TrainCsv, "badmixed.csv", 5, 9, "9");

        // Act
        var result = _workspace.Run("train", "--train", bad, "--heads", "plot,dialog,acting,makeup", "--classes", "dialog=5", "--out", _workspace.PathOf("m"), "--epochs", "1");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: badmixed.csv line 5, column 'dialog', head 'dialog': label 9 is outside 0..4.");
    }

    [Fact]
    public void When_an_inferred_class_count_would_exceed_the_cap_it_should_fail_naming_line_column_and_head_and_suggest_classes()
    {
        // Arrange: line 6 of the file, column 10 is 'acting'; a head of 10^9 classes would need billions of weights.
        string bad = _workspace.WithCell(_workspace.TrainCsv, "hugelabel.csv", 6, 10, "1000000000");

        // Act
        var result = _workspace.Run("train", "--train", bad, "--heads", "plot,dialog,acting,makeup", "--class-weights", "none", "--out", _workspace.PathOf("m"), "--epochs", "1", "--hidden", "8");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: hugelabel.csv line 6, column 'acting', head 'acting': label 1000000000 would mean 1000000001 classes, more than the 1000 inferred without --classes; if the head really has that many classes, give --classes.");
    }

    [Theory]
    [InlineData("999", 0)]
    [InlineData("1000", 2)]
    public void When_the_largest_label_is_at_the_class_count_cap_it_should_infer_up_to_1000_classes(string label, int exitCode)
    {
        // Arrange
        MultiHeadClassifier.Cli.Commands.TrainCommand.MaxInferredClassCount.Should().Be(1000);
        string file = _workspace.WithCell(_workspace.TrainCsv, $"label{label}.csv", 6, 10, label);

        // Act
        var result = _workspace.Run("train", "--train", file, "--heads", "plot,dialog,acting,makeup", "--class-weights", "none", "--out", _workspace.PathOf("m" + label), "--epochs", "1", "--hidden", "8");

        // Assert
        result.ExitCode.Should().Be(exitCode, result.Stderr);
        if (exitCode == 0)
        {
            result.Stdout.Should().Contain("acting (K=1000)");
        }
    }

    [Fact]
    public void When_a_feature_is_not_a_number_it_should_fail_naming_line_and_column()
    {
        // Arrange
        string bad = _workspace.WithCell(_workspace.TrainCsv, "badnumber.csv", 17, 3, "abc");

        // Act
        var result = Train(bad);

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: badnumber.csv line 17, column 'f3': 'abc' is not a number (a missing value is an empty cell, NA or NaN).");
    }

    [Fact]
    public void When_the_model_directory_is_not_a_model_it_should_fail_naming_the_directory()
    {
        // Arrange
        string dir = _workspace.PathOf("empty");
        Directory.CreateDirectory(dir);

        // Act
        var result = _workspace.Run("predict", "--model", dir, "--data", _workspace.TestCsv, "--out", _workspace.PathOf("p.csv"));

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain(dir).And.Contain("not a model directory");
    }

    [Fact]
    public void When_the_model_file_is_corrupt_it_should_fail_without_a_stack_trace()
    {
        // Arrange
        string dir = _workspace.PathOf("corrupt");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "model.mhc"), "garbage");
        File.WriteAllText(Path.Combine(dir, "features.json"), "{\"features\":[\"f0\"],\"heads\":[\"plot\"]}");

        // Act
        var result = _workspace.Run("evaluate", "--model", dir, "--data", _workspace.TestCsv, "--json", _workspace.PathOf("e.json"));

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("not a model directory").And.NotContain("   at ");
    }

    [Fact]
    public void When_a_required_option_is_missing_it_should_exit_with_a_usage_error()
    {
        // Act
        var result = _workspace.Run("train", "--heads", "plot");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("--train");
    }

    [Fact]
    public void When_features_are_missing_and_mean_imputation_is_on_it_should_train_and_predict()
    {
        // Arrange
        string gappy = _workspace.WithCell(_workspace.TrainCsv, "gappy.csv", 3, 2, string.Empty);
        string gappyTest = _workspace.WithCell(_workspace.TestCsv, "gappytest.csv", 4, 0, string.Empty);
        string dir = _workspace.PathOf("imputed");

        // Act
        var train = _workspace.Run("train", "--train", gappy, "--heads", "plot,dialog,acting,makeup", "--out", dir, "--epochs", "1", "--hidden", "8", "--missing-features", "mean", "--seed", "1");
        var predict = _workspace.Run("predict", "--model", dir, "--data", gappyTest, "--out", _workspace.PathOf("imputed.csv"));

        // Assert
        train.ExitCode.Should().Be(0, train.Stderr);
        File.Exists(Path.Combine(dir, "imputation.json")).Should().BeTrue();
        predict.ExitCode.Should().Be(0, predict.Stderr);
        File.ReadAllLines(_workspace.PathOf("imputed.csv")).Should().HaveCount(101);
    }

    [Fact]
    public void When_features_are_missing_without_imputation_it_should_fail_naming_line_and_column()
    {
        // Arrange
        string gappy = _workspace.WithCell(_workspace.TrainCsv, "gappy2.csv", 3, 2, string.Empty);

        // Act
        var result = Train(gappy);

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("gappy2.csv line 3, column 'f2'").And.Contain("--missing-features mean");
    }

    [Fact]
    public void When_a_feature_is_a_typo_and_mean_imputation_is_on_it_should_fail_instead_of_imputing_it()
    {
        // Arrange: line 3, column 2 is 'f2'; 'NA' on line 4 is a missing value and is imputed.
        string typo = _workspace.WithCell(_workspace.TrainCsv, "typo.csv", 3, 2, "abc");
        typo = _workspace.WithCell(typo, "typo.csv", 4, 2, "NA");

        // Act
        var result = _workspace.Run("train", "--train", typo, "--heads", "plot,dialog,acting,makeup", "--out", _workspace.PathOf("typo"), "--epochs", "1", "--hidden", "8", "--missing-features", "mean");

        // Assert
        result.ExitCode.Should().Be(2);
        result.Stderr.Trim().Should().Be("error: typo.csv line 3, column 'f2': 'abc' is not a number (a missing value is an empty cell, NA or NaN).");
    }

    [Fact]
    public void When_scoring_data_has_a_typo_under_an_imputing_model_it_should_fail_naming_the_cell()
    {
        // Arrange: a model trained with imputation; the test file's line 6, column 1 ('f1') is a typo.
        string dir = _workspace.PathOf("imputing");
        var train = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", "plot,dialog,acting,makeup", "--out", dir, "--epochs", "1", "--hidden", "8", "--missing-features", "mean", "--seed", "1");
        string typo = _workspace.WithCell(_workspace.TestCsv, "typotest.csv", 6, 1, "\"1,5\"");

        // Act
        var predict = _workspace.Run("predict", "--model", dir, "--data", typo, "--out", _workspace.PathOf("typo-out.csv"));

        // Assert
        train.ExitCode.Should().Be(0, train.Stderr);
        predict.ExitCode.Should().Be(2);
        predict.Stderr.Trim().Should().Be("error: typotest.csv line 6, column 'f1': '1,5' is not a number (a missing value is an empty cell, NA or NaN).");
        File.Exists(_workspace.PathOf("typo-out.csv")).Should().BeFalse();
    }

    [Fact]
    public void When_scoring_data_has_a_missing_cell_under_a_model_trained_without_imputation_it_should_say_that_imputing_is_chosen_at_training()
    {
        // Arrange: a model trained without imputation; the test file's line 4, column 2 ('f2') is empty.
        string dir = _workspace.PathOf("strict");
        var train = _workspace.Run("train", "--train", _workspace.TrainCsv, "--heads", "plot,dialog,acting,makeup", "--out", dir, "--epochs", "1", "--hidden", "8", "--seed", "1");
        string gappy = _workspace.WithCell(_workspace.TestCsv, "gappytest2.csv", 4, 2, string.Empty);

        // Act: predict and evaluate take no --missing-features, so the message must not tell them to.
        var predict = _workspace.Run("predict", "--model", dir, "--data", gappy, "--out", _workspace.PathOf("gappy-out.csv"));
        var evaluate = _workspace.Run("evaluate", "--model", dir, "--data", gappy, "--json", _workspace.PathOf("gappy.json"));

        // Assert
        train.ExitCode.Should().Be(0, train.Stderr);
        foreach (var result in new[] { predict, evaluate })
        {
            result.ExitCode.Should().Be(2);
            result.Stderr.Trim().Should().Be("error: gappytest2.csv line 4, column 'f2': the value is missing (to impute missing values, train with --missing-features mean).");
        }
    }

    private CliResult Train(string csv) =>
        _workspace.Run("train", "--train", csv, "--heads", "plot,dialog,acting,makeup", "--out", _workspace.PathOf("m"), "--epochs", "1", "--hidden", "8");
}
