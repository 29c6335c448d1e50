using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests;

// The README's "Testing a training script" shows this file from "Example begins" to "Example ends";
// When_the_readme_is_read_it_should_show_this_example keeps the two in step.
// Example begins.
/// <summary>A user's training script: the recipe under test.</summary>
public static class RatingsScript
{
    public static readonly string[] Heads = ["plot", "dialog", "acting", "makeup"];

    public static MultiHeadModel Train(MultiHeadDataset train, MultiHeadDataset valid, long seed,
        IProgress<BatchEndArgs>? progress = null, CancellationToken cancellationToken = default,
        IReadOnlyList<TrainingCallback>? callbacks = null)
    {
        var heads = Heads.Select(n => new HeadDefinition(n, 5, weighting: ClassWeighting.Balanced())).ToArray();
        var model = MultiHeadModel.Create(train.FeatureCount, heads, new MultiHeadModelOptions
        {
            Seed = seed,                                            // one seed: weights, shuffling and dropout
            Backbone = new MlpBackboneOptions { HiddenSizes = [32], Dropout = 0.1 },
        });
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions
        {
            Epochs = 20, BatchSize = 64, LearningRate = 5e-3, Progress = progress, Callbacks = callbacks ?? [],
        });
        try
        {
            trainer.Fit(model, train, valid, cancellationToken);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}

public sealed class RatingsScriptTests : IDisposable
{
    private readonly MultiHeadDataset _train;
    private readonly MultiHeadDataset _valid;
    private readonly string _folder = Directory.CreateTempSubdirectory("ratings-script-").FullName;

    public RatingsScriptTests()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 1500, Heads = RatingsScript.Heads, Seed = 7 });
        (_train, _valid) = (data.Slice(0, 1200), data.Slice(1200, 300));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_trained_twice_with_one_seed_it_should_give_the_same_logits()
    {
        using var first = RatingsScript.Train(_train, _valid, seed: 11);
        using var second = RatingsScript.Train(_train, _valid, seed: 11);

        second.Predict(_valid)["acting"].Should().BeEquivalentTo(first.Predict(_valid)["acting"], o => o.WithStrictOrdering());
    }

    [Fact]
    public void When_saved_and_reloaded_it_should_predict_the_same_logits()
    {
        using var model = RatingsScript.Train(_train, _valid, seed: 11);
        string path = Path.Combine(_folder, "ratings.mhc");

        model.Save(path);
        using var reloaded = MultiHeadModel.Load(path);

        reloaded.Predict(_valid)["plot"].Should().BeEquivalentTo(model.Predict(_valid)["plot"], o => o.WithStrictOrdering());
    }

    [Fact]
    public void When_evaluated_after_prior_correction_it_should_beat_the_majority_class_on_every_head()
    {
        using var model = RatingsScript.Train(_train, _valid, seed: 11);

        var report = ModelEvaluator.Evaluate(model, _valid, LogitCorrection.Prior);

        foreach (var head in RatingsScript.Heads)
        {
            int[] train = [.. _train.HeadLabels(head).Where(y => y >= 0)];
            int majority = train.GroupBy(y => y).MaxBy(g => g.Count())!.Key;
            int[] valid = [.. _valid.HeadLabels(head).Where(y => y >= 0)];
            double baseline = valid.Count(y => y == majority) / (double)valid.Length;
            report.Heads[head].Metrics.Accuracy.Should().BeGreaterThan(baseline + 0.02, $"head {head}");
        }
    }

    [Fact]
    public void When_cancelled_during_training_it_should_stop_with_TrainingCanceledException()
    {
        using var cancel = new CancellationTokenSource();
        var cancelAtThirdBatch = new SynchronousProgress(args => { if (args.Batch == 3) { cancel.Cancel(); } });

        var act = () => RatingsScript.Train(_train, _valid, seed: 11, cancelAtThirdBatch, cancel.Token);

        act.Should().Throw<TrainingCanceledException>().Which.CompletedEpochs.Should().BeEmpty();
    }

    [Fact]
    public void When_training_it_should_report_every_batch_in_order_to_a_synchronous_progress()
    {
        // Progress<T> posts reports to the thread pool, so they can arrive after Fit returns; a test needs an
        // IProgress<T> that records on the training thread.
        var batches = new List<(int Epoch, int Batch)>();
        var progress = new SynchronousProgress(args => batches.Add((args.Epoch, args.Batch)));

        using var model = RatingsScript.Train(_train, _valid, seed: 11, progress);

        int perEpoch = (int)Math.Ceiling(_train.RowCount / 64.0);
        batches.Should().Equal(Enumerable.Range(1, 20).SelectMany(e => Enumerable.Range(1, perEpoch).Select(b => (e, b))));
    }

    [Fact]
    public void When_training_it_should_tell_a_callback_each_epochs_losses_and_they_should_fall()
    {
        var log = new EpochLog();

        using var model = RatingsScript.Train(_train, _valid, seed: 11, callbacks: [log]);

        log.Epochs.Select(e => e.Epoch).Should().Equal(Enumerable.Range(1, 20));
        log.Epochs[^1].ValidationLoss.Should().BeLessThan(log.Epochs[0].ValidationLoss!.Value);
    }

    [Fact]
    public void When_the_validation_data_is_too_narrow_it_should_say_so_before_training()
    {
        var narrow = new MultiHeadDataset(new float[10, 3], new int[10, 4], RatingsScript.Heads);

        var act = () => RatingsScript.Train(_train, narrow, seed: 11);

        act.Should().Throw<ArgumentException>().WithMessage("The validation data has 3 feature columns, but the model expects 16.");
    }

    private sealed class SynchronousProgress(Action<BatchEndArgs> report) : IProgress<BatchEndArgs>
    {
        public void Report(BatchEndArgs value) => report(value);
    }

    private sealed class EpochLog : TrainingCallback
    {
        public List<EpochSummary> Epochs { get; } = [];

        public override void OnEpochEnd(EpochEndArgs args) => Epochs.Add(args.Summary);
    }
}
// Example ends.

public class TrainingScriptExampleTests
{
    [Fact]
    public void When_the_readme_is_read_it_should_show_this_example()
    {
        // Arrange
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MultiHeadClassifier.sln")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        string source = File.ReadAllText(Path.Combine(root, "tests", "MultiHeadClassifier.Tests", "TrainingScriptExampleTests.cs"));
        string example = source.Split("// Example begins.\n")[1].Split("// Example ends.")[0];

        // Act
        var missing = example.Split('\n').Where(l => l.Trim().Length > 0 && !readme.Contains(l, StringComparison.Ordinal)).ToList();

        // Assert
        example.Should().Contain("class RatingsScriptTests");
        missing.Should().BeEmpty("the README shows the example line for line");
    }
}
