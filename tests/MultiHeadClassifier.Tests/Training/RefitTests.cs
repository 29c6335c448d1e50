using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Training;

/// <summary>What a second fit does with class weights, standardisation and temperatures, and the one-seed rule.</summary>
public class RefitTests
{
    private static MultiHeadModel NewModel(long? seed = 5, double dropout = 0) =>
        MultiHeadModel.Create(8, TestData.Heads(ClassWeighting.Balanced()), new MultiHeadModelOptions
        {
            Seed = seed,
            Backbone = new MlpBackboneOptions { HiddenSizes = [16], Dropout = dropout },
        });

    private static MultiHeadTrainerOptions Options(RefitBehavior refit = RefitBehavior.Recompute) =>
        new() { Epochs = 1, Seed = 3, Refit = refit };

    /// <summary>scikit-learn's balanced weights n / (K · count_c), computed here from the labels.</summary>
    private static float[] BalancedWeights(MultiHeadDataset data, int head)
    {
        int[] labels = [.. data.HeadLabels(head).Where(y => y >= 0)];
        return [.. Enumerable.Range(0, 5).Select(c => (float)(labels.Length / (5.0 * labels.Count(y => y == c))))];
    }

    [Fact]
    public void When_a_trained_model_is_fitted_on_other_data_it_should_recompute_class_weights_and_standardisation_by_default()
    {
        // Arrange: two data sets with different class priors and feature scales.
        var first = TestData.Ratings(400, seed: 1);
        var second = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 400, Seed = 2, Features = 8, ClassPriors = [8, 4, 2, 1, 1] });
        using var model = NewModel();
        new MultiHeadTrainer(Options()).Fit(model, first);

        // Act
        new MultiHeadTrainer(Options()).Fit(model, second);

        // Assert
        model.ClassWeights!["plot"].Should().Equal(BalancedWeights(second, 0), (a, b) => Math.Abs(a - b) <= 1e-5f);
        model.Standardizer!.Means[0].Should().BeApproximately(Enumerable.Range(0, 400).Average(r => (double)second.Features[r * 8]), 1e-6);
        model.FittedOn.Should().Be(DataFingerprint.Of(second));
    }

    [Fact]
    public void When_refit_is_keep_it_should_keep_the_class_weights_and_standardisation_of_the_first_fit()
    {
        // Arrange
        var first = TestData.Ratings(400, seed: 1);
        var second = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 400, Seed = 2, Features = 8, ClassPriors = [8, 4, 2, 1, 1] });
        using var model = NewModel();
        new MultiHeadTrainer(Options()).Fit(model, first);
        var means = model.Standardizer!.Means.ToArray();

        // Act
        new MultiHeadTrainer(Options(RefitBehavior.Keep)).Fit(model, second);

        // Assert
        model.ClassWeights!["plot"].Should().Equal(BalancedWeights(first, 0), (a, b) => Math.Abs(a - b) <= 1e-5f);
        model.Standardizer!.Means.Should().Equal(means);
        model.FittedOn.Should().Be(DataFingerprint.Of(first));
    }

    [Fact]
    public void When_a_model_with_attached_temperatures_is_fitted_again_it_should_clear_them()
    {
        // Arrange
        var data = TestData.Ratings(500, seed: 1);
        using var model = NewModel();
        new MultiHeadTrainer(Options()).Fit(model, data.Slice(0, 400));
        model.Temperatures = ModelCorrections.FitTemperatures(model, data.Slice(400, 100));

        // Act
        new MultiHeadTrainer(Options(RefitBehavior.Keep)).Fit(model, data.Slice(0, 400));
        var act = () => ModelCorrections.Apply(model, model.Predict(data.Slice(400, 10)), LogitCorrection.PriorAndTemperature);

        // Assert
        model.Temperatures.Should().BeNull("training changed the logits they were fitted for");
        act.Should().Throw<InvalidOperationException>().WithMessage("*FitTemperatures*");
    }

    [Fact]
    public void When_a_refit_has_a_head_without_labels_it_should_be_refused_as_on_the_first_fit()
    {
        // Arrange: the second data set has no 'acting' label at all.
        var data = TestData.Ratings(400, seed: 1);
        using var model = NewModel();
        new MultiHeadTrainer(Options()).Fit(model, data);
        int[,] labels = new int[400, 4];
        for (int r = 0; r < 400; r++)
        {
            for (int h = 0; h < 4; h++)
            {
                labels[r, h] = h == 2 ? MultiHeadDataset.MissingLabel : data.Label(r, h);
            }
        }

        var unlabelled = new MultiHeadDataset(TestData.Rows(data), labels);

        // Act
        var act = () => new MultiHeadTrainer(Options(RefitBehavior.Keep)).Fit(model, unlabelled);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Head 'acting' has no labelled rows in the training data*");
    }

    [Fact]
    public void When_only_the_model_seed_is_set_it_should_end_two_runs_with_the_same_weights_bit_for_bit()
    {
        // Arrange: dropout and shuffling both draw from the trainer's generators, which the model seed now seeds.
        var data = TestData.Ratings(300, seed: 4);
        var options = new MultiHeadTrainerOptions { Epochs = 2, BatchSize = 32 };
        float[][] weights = new float[2][];
        long[] seeds = new long[2];

        // Act
        for (int run = 0; run < 2; run++)
        {
            using var model = NewModel(seed: 42, dropout: 0.3);
            seeds[run] = new MultiHeadTrainer(options).Fit(model, data).Seed;
            weights[run] = TestData.Flatten(model.Network.parameters());
        }

        // Assert
        seeds.Should().Equal(42, 42);
        weights[1].Should().Equal(weights[0]);
    }

    [Fact]
    public void When_no_seed_is_set_anywhere_it_should_end_two_runs_with_different_weights()
    {
        // Arrange: the negative control for the one-seed rule.
        var data = TestData.Ratings(300, seed: 4);
        float[][] weights = new float[2][];

        // Act
        for (int run = 0; run < 2; run++)
        {
            using var model = NewModel(seed: null);
            new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1 }).Fit(model, data);
            weights[run] = TestData.Flatten(model.Network.parameters());
        }

        // Assert
        weights[1].Should().NotEqual(weights[0]);
    }
}
