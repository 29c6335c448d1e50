using FluentAssertions;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using Xunit;

namespace MultiHeadClassifier.Tests.Data;

public class MultiHeadDatasetTests
{
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void When_a_feature_is_not_finite_it_should_name_row_and_column(float bad)
    {
        var features = new float[4, 3];
        features[2, 1] = bad;

        var act = () => new MultiHeadDataset(features);

        act.Should().Throw<ArgumentException>().WithMessage("*row 2, column 1*finite*");
    }

    [Fact]
    public void When_a_jagged_row_has_the_wrong_width_it_should_name_the_row()
    {
        float[][] rows = [[1, 2, 3], [1, 2, 3], [1, 2]];

        var act = () => new MultiHeadDataset(rows);

        act.Should().Throw<ArgumentException>().WithMessage("*row 2 has 2 values*row 0 has 3*");
    }

    [Fact]
    public void When_there_are_no_rows_it_should_say_so()
    {
        var act = () => new MultiHeadDataset(new float[0, 3]);

        act.Should().Throw<ArgumentException>().WithMessage("*no rows*");
    }

    [Fact]
    public void When_a_label_is_below_minus_one_it_should_name_row_and_column()
    {
        var labels = new int[3, 2];
        labels[1, 1] = -2;

        var act = () => new MultiHeadDataset(new float[3, 2], labels);

        act.Should().Throw<ArgumentException>().WithMessage("*Label -2 at row 1, head column 1*");
    }

    [Fact]
    public void When_labels_and_features_have_different_row_counts_it_should_say_so()
    {
        var act = () => new MultiHeadDataset(new float[3, 2], new int[4, 2]);

        act.Should().Throw<ArgumentException>().WithMessage("*3 rows*4*");
    }

    [Fact]
    public void When_counting_classes_it_should_skip_missing_labels()
    {
        var labels = new int[,] { { 0, -1 }, { 1, 2 }, { 1, -1 }, { -1, 0 } };
        var data = new MultiHeadDataset(new float[4, 1], labels);

        var counts = data.ClassCounts([new("a", 2), new("b", 3)]);

        counts[0].Should().Equal(1, 2);
        counts[1].Should().Equal(1, 0, 1);
    }

    [Fact]
    public void When_standardising_it_should_use_population_mean_and_deviation()
    {
        // Column 0: [1, 3] → mean 2, std 1. Column 1: [5, 5] → mean 5, std 0 → scale 1.
        var data = new MultiHeadDataset(new float[,] { { 1, 5 }, { 3, 5 } });

        var standardizer = FeatureStandardizer.Fit([data]);

        standardizer.Means.Should().Equal(2.0, 5.0);
        standardizer.Scales.Should().Equal(1.0, 1.0);
    }

    [Fact]
    public void When_a_dataset_has_head_names_it_should_give_a_heads_labels_by_name_as_by_index()
    {
        // Arrange
        var labels = new int[,] { { 0, 4 }, { -1, 2 }, { 1, 3 } };
        var data = new MultiHeadDataset(new float[3, 1], labels, headNames: ["plot", "acting"]);

        // Act
        int[] byName = data.HeadLabels("acting");

        // Assert
        byName.Should().Equal(4, 2, 3);
        byName.Should().Equal(data.HeadLabels(1));
        data.HeadNames.Should().Equal("plot", "acting");
        data.Slice(1, 2).HeadNames.Should().Equal("plot", "acting");
    }

    [Fact]
    public void When_a_head_name_is_unknown_it_should_list_the_names()
    {
        // Arrange
        var data = new MultiHeadDataset(new float[1, 1], new int[1, 2], headNames: ["plot", "acting"]);

        // Act
        var act = () => data.HeadLabels("dialog");

        // Assert
        act.Should().Throw<KeyNotFoundException>().WithMessage("No label column is named 'dialog'; the columns are plot, acting.");
    }

    [Fact]
    public void When_a_dataset_has_no_head_names_asking_by_name_it_should_say_how_to_give_them()
    {
        // Arrange
        var data = new MultiHeadDataset(new float[1, 1], new int[1, 2]);

        // Act
        var act = () => data.HeadLabels("plot");

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("*no head names*headNames*HeadLabels(int)*");
        data.HeadNames.Should().BeNull();
    }

    [Theory]
    [InlineData(new[] { "plot" }, "*1 head names were given for 2 label columns*")]
    [InlineData(new[] { "plot", "plot" }, "*'plot' is given for label columns 0 and 1*")]
    [InlineData(new[] { "plot", " " }, "*Head name 1 is empty*")]
    public void When_head_names_do_not_fit_the_label_columns_it_should_say_how(string[] names, string message)
    {
        // Act
        var act = () => new MultiHeadDataset(new float[2, 1], new int[2, 2], headNames: names);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void When_named_columns_are_in_another_order_than_the_models_heads_it_should_name_the_column()
    {
        // Arrange
        var data = new MultiHeadDataset(new float[2, 1], new int[2, 2], headNames: ["acting", "plot"]);
        HeadDefinition[] heads = [new("plot", 5), new("acting", 5)];

        // Act
        var act = () => data.ValidateFor(heads, 1, role: "training data");

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("The training data's label column 0 is named 'acting', but the model's head 0 is 'plot'*");
    }

    [Fact]
    public void When_validation_data_is_too_narrow_it_should_say_it_is_the_validation_data()
    {
        // Arrange
        var data = new MultiHeadDataset(new float[2, 3], new int[2, 1]);

        // Act
        var act = () => data.ValidateFor([new HeadDefinition("plot", 5)], 4, role: "validation data");

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("The validation data has 3 feature columns, but the model expects 4.");
    }

    [Fact]
    public void When_synthetic_ratings_are_generated_it_should_give_them_their_head_names()
    {
        // Act
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 10, Heads = ["story", "sound"], Features = 4 });

        // Assert
        data.HeadNames.Should().Equal("story", "sound");
    }

    [Fact]
    public void When_fingerprinting_it_should_hash_features_then_labels_as_documented()
    {
        // Arrange: SHA-256 of the float32 bytes of [1, 2] followed by the int32 bytes of [3], computed here.
        var data = new MultiHeadDataset(new float[,] { { 1f }, { 2f } }, new int[,] { { 3 }, { -1 } });
        byte[] bytes = [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f), .. BitConverter.GetBytes(3), .. BitConverter.GetBytes(-1)];

        // Act
        var fingerprint = DataFingerprint.Of(data);

        // Assert
        fingerprint.Rows.Should().Be(2);
        fingerprint.Sha256.Should().Be(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }
}
