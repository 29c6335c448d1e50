using FluentAssertions;
using MultiHeadClassifier.Data;
using Xunit;

namespace MultiHeadClassifier.Tests.Data;

public class SyntheticRatingsTests
{
    /// <summary>Option sets that reach every branch: defaults, no noise, no missing labels, leftover features.</summary>
    public static TheoryData<string> OptionNames() => [.. Options.Keys];

    private static readonly Dictionary<string, SyntheticRatingsOptions> Options = new()
    {
        ["defaults"] = new SyntheticRatingsOptions(),
        ["seed 7, small"] = new SyntheticRatingsOptions { Rows = 57, Seed = 7 },
        ["no noise, no missing labels"] = new SyntheticRatingsOptions { Rows = 100, Noise = 0, MissingRate = 0, Seed = 3 },
        ["leftover features"] = new SyntheticRatingsOptions { Rows = 40, Features = 7, Heads = ["a", "b", "c"], ClassPriors = [3, 1], Seed = -5 },
        ["one row, one head"] = new SyntheticRatingsOptions { Rows = 1, Features = 1, Heads = ["only"], MissingRate = 0.5 },
        ["mostly missing"] = new SyntheticRatingsOptions { Rows = 200, MissingRate = 0.9, Noise = 3, ClassPriors = [0.2, 0.5, 0.3] },
    };

    [Theory]
    [MemberData(nameof(OptionNames))]
    public void When_generating_it_should_give_the_same_bits_as_the_reference_algorithm(string name)
    {
        // Arrange: quick-starts, samples and tests rely on the exact data, so the draws must not move.
        SyntheticRatingsOptions options = Options[name];
        MultiHeadDataset expected = ReferenceGenerate(options);

        // Act
        MultiHeadDataset actual = SyntheticRatings.Generate(options);

        // Assert
        actual.RowCount.Should().Be(expected.RowCount);
        actual.FeatureCount.Should().Be(expected.FeatureCount);
        actual.HeadCount.Should().Be(expected.HeadCount);
        actual.Features.ToArray().Select(BitConverter.SingleToInt32Bits)
            .Should().Equal(expected.Features.ToArray().Select(BitConverter.SingleToInt32Bits));
        actual.Labels.ToArray().Should().Equal(expected.Labels.ToArray());
    }

    [Fact]
    public void When_no_label_is_missing_it_should_give_class_counts_that_follow_the_priors_exactly()
    {
        // Arrange: priors 1 : 1 : 2 of 400 rows → 100, 100 and 200 rows per class in every head.
        var options = new SyntheticRatingsOptions { Rows = 400, ClassPriors = [1, 1, 2], MissingRate = 0 };

        // Act
        MultiHeadDataset data = SyntheticRatings.Generate(options);

        // Assert
        for (int h = 0; h < 4; h++)
        {
            int[] labels = data.HeadLabels(h);
            labels.Count(l => l == 0).Should().Be(100);
            labels.Count(l => l == 1).Should().Be(100);
            labels.Count(l => l == 2).Should().Be(200);
        }
    }

    [Fact]
    public void When_there_is_no_noise_it_should_never_give_a_higher_block_sum_a_lower_class()
    {
        // Arrange: 8 features and 2 heads, so head 1 reads features 4..7.
        var options = new SyntheticRatingsOptions { Rows = 300, Features = 8, Heads = ["x", "y"], Noise = 0, MissingRate = 0 };

        // Act
        MultiHeadDataset data = SyntheticRatings.Generate(options);

        // Assert
        float[] features = data.Features.ToArray();
        int[] byScore = [.. Enumerable.Range(0, 300).OrderBy(r => Enumerable.Range(4, 4).Sum(j => (double)features[r * 8 + j]))];
        int[] classes = [.. byScore.Select(r => data.Label(r, 1))];
        classes.Should().BeInAscendingOrder();
        classes.Distinct().Should().HaveCount(5);
    }

    [Fact]
    public void When_about_a_tenth_of_labels_go_missing_it_should_leave_a_missing_fraction_near_a_tenth()
    {
        // Arrange: 4 × 5000 labels, each missing with probability 0.1; the standard deviation of the fraction
        // is √(0.1 · 0.9 / 20000) ≈ 0.0021, so ±0.01 is more than four deviations.
        var options = new SyntheticRatingsOptions { Rows = 5000, MissingRate = 0.1 };

        // Act
        MultiHeadDataset data = SyntheticRatings.Generate(options);

        // Assert
        double missing = data.Labels.ToArray().Count(l => l == MultiHeadDataset.MissingLabel) / 20000.0;
        missing.Should().BeApproximately(0.1, 0.01);
    }

    [Theory]
    [InlineData(0, 16, 0.03, 0.5)]
    [InlineData(10, 3, 0.03, 0.5)]
    [InlineData(10, 16, 1.0, 0.5)]
    [InlineData(10, 16, double.NaN, 0.5)]
    [InlineData(10, 16, 0.03, double.PositiveInfinity)]
    [InlineData(10, 16, 0.03, -1)]
    public void When_a_setting_is_invalid_it_should_throw(int rows, int features, double missingRate, double noise)
    {
        // Arrange
        var options = new SyntheticRatingsOptions { Rows = rows, Features = features, MissingRate = missingRate, Noise = noise };

        // Act
        Action act = () => SyntheticRatings.Generate(options);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Synthetic ratings need Rows ≥ 1, Features ≥ heads ≥ 1*")
            .And.ParamName.Should().Be("options");
    }

    [Fact]
    public void When_a_class_prior_is_not_positive_it_should_throw()
    {
        // Arrange
        var options = new SyntheticRatingsOptions { ClassPriors = [1, 0, 2] };

        // Act
        Action act = () => SyntheticRatings.Generate(options);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*at least 2 positive class priors*");
    }

    /// <summary>
    /// The reference: <see cref="SyntheticRatings.Generate"/> as it was written in one method before it was split
    /// into helpers, kept verbatim so that the order of the random draws cannot change unnoticed.
    /// </summary>
    private static MultiHeadDataset ReferenceGenerate(SyntheticRatingsOptions options)
    {
        int heads = options.Heads.Count;
        var random = new Random(options.Seed);
        int rows = options.Rows;
        var features = new float[rows, options.Features];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < options.Features; j++)
            {
                features[r, j] = (float)Gaussian(random);
            }
        }

        double priorSum = options.ClassPriors.Sum();
        var cumulative = new double[options.ClassPriors.Count];
        double running = 0;
        for (int c = 0; c < cumulative.Length; c++)
        {
            running += options.ClassPriors[c] / priorSum;
            cumulative[c] = running;
        }

        var labels = new int[rows, heads];
        int block = options.Features / heads;
        for (int h = 0; h < heads; h++)
        {
            var scores = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                double sum = 0;
                for (int j = h * block; j < (h + 1) * block; j++)
                {
                    sum += features[r, j];
                }

                scores[r] = sum / Math.Sqrt(block) + options.Noise * Gaussian(random);
            }

            int[] order = [.. Enumerable.Range(0, rows).OrderBy(r => scores[r])];
            int cls = 0;
            for (int rank = 0; rank < rows; rank++)
            {
                while (cls < cumulative.Length - 1 && rank >= cumulative[cls] * rows)
                {
                    cls++;
                }

                labels[order[rank], h] = cls;
            }

            for (int r = 0; r < rows; r++)
            {
                if (random.NextDouble() < options.MissingRate)
                {
                    labels[r, h] = MultiHeadDataset.MissingLabel;
                }
            }
        }

        return new MultiHeadDataset(features, labels);

        static double Gaussian(Random random)
        {
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
