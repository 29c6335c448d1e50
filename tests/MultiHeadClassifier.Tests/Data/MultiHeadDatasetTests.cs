using FluentAssertions;
using MultiHeadClassifier.Data;
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
}
