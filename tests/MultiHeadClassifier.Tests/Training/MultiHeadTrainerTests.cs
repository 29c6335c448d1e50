using FluentAssertions;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace MultiHeadClassifier.Tests.Training;

public class MultiHeadTrainerTests(ITestOutputHelper output)
{
    private static MultiHeadModel NewModel(int inputWidth = 8, ClassWeighting? weighting = null, long seed = 5, double dropout = 0) =>
        MultiHeadModel.Create(inputWidth, TestData.Heads(weighting), new MultiHeadModelOptions
        {
            Seed = seed,
            Backbone = new MlpBackboneOptions { HiddenSizes = [32], Dropout = dropout },
        });

    [Fact]
    public void When_each_head_depends_on_its_own_features_it_should_train_to_high_per_head_accuracy()
    {
        // Arrange: low noise, so the Bayes accuracy is high; each head reads a different block of 2 features.
        var data = TestData.Ratings(3000, seed: 1, noise: 0.1);
        var train = data.Slice(0, 2400);
        var test = data.Slice(2400, 600);
        using var model = NewModel();

        // Act
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 30, BatchSize = 64, LearningRate = 5e-3, Seed = 1 }).Fit(model, train);
        var prediction = model.Predict(TestData.Rows(test));

        // Assert
        for (int h = 0; h < 4; h++)
        {
            var labels = test.HeadLabels(h);
            var rows = Enumerable.Range(0, labels.Length).Where(r => labels[r] >= 0).ToArray();
            double accuracy = rows.Count(r => TestData.Argmax(prediction[TestData.HeadNames[h]], r) == labels[r]) / (double)rows.Length;
            output.WriteLine($"{TestData.HeadNames[h]}: accuracy {accuracy:F3}");
            accuracy.Should().BeGreaterThan(0.8, $"head {TestData.HeadNames[h]} has a clean signal");
        }
    }

    [Fact]
    public void When_training_with_balanced_weights_it_should_raise_minority_class_recall()
    {
        // Arrange: classes skewed 1:2:4:8:16 with noisy features, so an unweighted model neglects class 0.
        var data = TestData.Ratings(6200, seed: 2, noise: 0.8);
        var train = data.Slice(0, 4650);
        var test = data.Slice(4650, 1550);
        var options = new MultiHeadTrainerOptions { Epochs = 8, BatchSize = 128, LearningRate = 3e-3, Seed = 3 };

        // Act
        double RecallOfClass0(ClassWeighting weighting)
        {
            using var model = NewModel(weighting: weighting);
            new MultiHeadTrainer(options).Fit(model, train);
            var prediction = model.Predict(TestData.Rows(test));
            int hits = 0, total = 0;
            for (int h = 0; h < 4; h++)
            {
                var labels = test.HeadLabels(h);
                for (int r = 0; r < labels.Length; r++)
                {
                    if (labels[r] == 0)
                    {
                        total++;
                        hits += TestData.Argmax(prediction[TestData.HeadNames[h]], r) == 0 ? 1 : 0;
                    }
                }
            }

            return hits / (double)total;
        }

        double unweighted = RecallOfClass0(ClassWeighting.None);
        double weighted = RecallOfClass0(ClassWeighting.Balanced());
        output.WriteLine($"class-0 recall: unweighted {unweighted:F3}, balanced {weighted:F3}");

        // Assert
        weighted.Should().BeGreaterThan(unweighted + 0.1);
    }

    [Fact]
    public void When_the_seed_and_data_are_the_same_it_should_give_identical_weights_bit_for_bit()
    {
        var data = TestData.Ratings(500, seed: 4);
        var options = new MultiHeadTrainerOptions { Epochs = 3, BatchSize = 32, Seed = 9 };

        float[] Train()
        {
            using var model = NewModel(weighting: ClassWeighting.Balanced(), dropout: 0.2);
            new MultiHeadTrainer(options).Fit(model, data);
            return TestData.Flatten(model.Network.parameters());
        }

        var first = Train();
        var second = Train();

        first.Should().Equal(second);
    }

    [Fact]
    public void When_the_seed_differs_it_should_give_different_weights()
    {
        var data = TestData.Ratings(300, seed: 4);

        float[] Train(long seed)
        {
            using var model = NewModel();
            new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1, BatchSize = 32, Seed = seed }).Fit(model, data);
            return TestData.Flatten(model.Network.parameters());
        }

        Train(1).Should().NotEqual(Train(2));
    }

    [Fact]
    public void When_early_stopping_triggers_it_should_restore_the_best_epoch()
    {
        // Arrange: a tiny noisy training set and a large learning rate overfit quickly, so validation loss rises.
        var train = TestData.Ratings(200, seed: 5, noise: 1.5);
        var valid = TestData.Ratings(400, seed: 6, noise: 1.5);
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [128, 128] } });
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 60, BatchSize = 16, LearningRate = 1e-2, Seed = 1, EarlyStoppingPatience = 3 });

        // Act
        var history = trainer.Fit(model, train, valid);
        var (restoredLoss, _) = MultiHeadTrainer.ComputeLoss(model, valid);

        // Assert
        history.StoppedEarly.Should().BeTrue();
        var best = history.Epochs.MinBy(e => e.ValidationLoss!.Value)!;
        history.BestEpoch.Should().Be(best.Epoch);
        history.Epochs[^1].Epoch.Should().Be(best.Epoch + 3);
        restoredLoss.Should().BeApproximately(best.ValidationLoss!.Value, 1e-5);
        history.Epochs[^1].ValidationLoss.Should().BeGreaterThan(best.ValidationLoss.Value);
    }

    [Fact]
    public void When_cancelled_it_should_stop_within_one_batch_and_leave_a_usable_model()
    {
        // Arrange: cancel from the 5th batch's callback.
        var data = TestData.Ratings(2000, seed: 7);
        using var model = NewModel();
        using var cancellation = new CancellationTokenSource();
        var counter = new BatchCounter(5, cancellation);
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 50, BatchSize = 32, Seed = 1, Callbacks = [counter] });

        // Act
        var act = () => trainer.Fit(model, data, cancellationToken: cancellation.Token);

        // Assert
        act.Should().Throw<TrainingCanceledException>().Which.CompletedEpochs.Should().BeEmpty();
        counter.Batches.Should().Be(5);
        model.Network.training.Should().BeFalse();
        var prediction = model.Predict(TestData.Rows(data.Slice(0, 10)));
        prediction["plot"].Cast<float>().Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void When_training_many_epochs_it_should_keep_the_live_tensor_count_flat()
    {
        // Arrange
        var data = TestData.Ratings(1000, seed: 8);
        var valid = TestData.Ratings(300, seed: 9);
        using var model = NewModel(dropout: 0.1);
        var probe = new LiveTensorProbe();
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 12, BatchSize = 50, Seed = 1, Callbacks = [probe] });

        // Act
        trainer.Fit(model, data, valid);
        output.WriteLine("live tensors per epoch: " + string.Join(", ", probe.LiveCounts));

        // Assert: after the optimizer state exists (epoch 1), nothing accumulates.
        probe.LiveCounts.Skip(1).Should().AllBeEquivalentTo(probe.LiveCounts[1]);
    }

    [Fact]
    public void When_callbacks_and_progress_are_given_it_should_report_every_batch_and_epoch_to_them()
    {
        var data = TestData.Ratings(100, seed: 10);
        var recorder = new Recorder();
        var reports = new List<BatchEndArgs>();
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 2, BatchSize = 30, Seed = 1, Callbacks = [recorder], Progress = new SyncProgress(reports) });
        using var model = NewModel(weighting: ClassWeighting.Balanced());

        var history = trainer.Fit(model, data);

        // 100 rows in batches of 30 → 4 batches per epoch.
        recorder.Events.Should().Equal(["begin", "b1.1", "b1.2", "b1.3", "b1.4", "e1", "b2.1", "b2.2", "b2.3", "b2.4", "e2", "end"]);
        reports.Should().HaveCount(8);
        reports[^1].HeadLosses.Keys.Should().Equal(TestData.HeadNames);
        reports[^1].Loss.Should().BeApproximately(reports[^1].HeadLosses.Values.Sum(), 1e-5);
        history.Epochs.Should().HaveCount(2);
        history.ClassWeights.Should().ContainKey("acting");
        model.ClassWeights!["acting"].Should().HaveCount(5);
    }

    [Fact]
    public void When_training_from_a_streaming_source_it_should_give_the_same_weights_as_in_memory_without_shuffling()
    {
        var data = TestData.Ratings(256, seed: 11);
        var batches = Enumerable.Range(0, 8).Select(i => data.Slice(i * 32, 32)).ToArray();
        var options = new MultiHeadTrainerOptions { Epochs = 2, BatchSize = 32, Shuffle = false, Seed = 1 };

        using var inMemory = NewModel(weighting: ClassWeighting.Balanced());
        new MultiHeadTrainer(options).Fit(inMemory, data);
        using var streamed = NewModel(weighting: ClassWeighting.Balanced());
        new MultiHeadTrainer(options).Fit(streamed, new InMemoryBatchSource(batches));

        TestData.Flatten(streamed.Network.parameters()).Should().Equal(TestData.Flatten(inMemory.Network.parameters()), (a, b) => Math.Abs(a - b) < 1e-5);
        streamed.ClassWeights!["plot"].Should().Equal(inMemory.ClassWeights!["plot"]);
    }

    [Fact]
    public void When_a_streaming_source_is_fitted_first_it_should_read_epoch_0_once_for_counts_and_standardisation()
    {
        // Arrange
        var data = TestData.Ratings(256, seed: 11);
        var source = new EpochCountingSource([.. Enumerable.Range(0, 8).Select(i => data.Slice(i * 32, 32))]);
        var options = new MultiHeadTrainerOptions { Epochs = 2, BatchSize = 32, Seed = 1 };
        using var model = NewModel();

        // Act
        new MultiHeadTrainer(options).Fit(model, source);

        // Assert
        source.Passes.Should().Equal(0, 1, 2);
        model.Standardizer!.Means.Should().Equal(FeatureStandardizer.Fit([data]).Means);
    }

    [Fact]
    public void When_options_are_invalid_it_should_list_every_problem()
    {
        var act = () => new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 0, BatchSize = 0, LearningRate = -1 });

        act.Should().Throw<ArgumentException>().WithMessage("*Epochs must be at least 1*BatchSize must be at least 1*LearningRate must be a positive*");
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(0.0)]
    public void When_the_learning_rate_is_not_positive_it_should_throw(double rate)
    {
        var act = () => new MultiHeadTrainer(new MultiHeadTrainerOptions { LearningRate = rate });

        act.Should().Throw<ArgumentException>().WithMessage("*LearningRate*");
    }

    [Fact]
    public void When_a_head_has_no_labelled_rows_it_should_throw_naming_the_head()
    {
        var features = new float[4, 8];
        var labels = new int[4, 4];
        for (int r = 0; r < 4; r++)
        {
            labels[r, 2] = -1;
        }

        using var model = NewModel();
        var act = () => new MultiHeadTrainer().Fit(model, new MultiHeadDataset(features, labels));

        act.Should().Throw<ArgumentException>().WithMessage("*'acting'*no labelled rows*");
    }

    [Fact]
    public void When_a_label_is_at_least_K_it_should_throw_naming_head_and_row()
    {
        var labels = new int[3, 4];
        labels[2, 3] = 5;
        using var model = NewModel();

        var act = () => new MultiHeadTrainer().Fit(model, new MultiHeadDataset(new float[3, 8], labels));

        act.Should().Throw<ArgumentException>().WithMessage("*'makeup'*label 5 at row 2*0..4*");
    }

    [Fact]
    public void When_the_loss_turns_NaN_it_should_stop_naming_epoch_batch_and_head_and_keep_the_last_finite_weights()
    {
        // Arrange: a callback poisons the "dialog" head's bias after the 3rd step, so the 4th step's loss is NaN.
        var data = TestData.Ratings(400, seed: 12);
        using var model = NewModel();
        var poison = new Poisoner(model, afterBatch: 3);
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 2, BatchSize = 50, Seed = 1, Callbacks = [poison] });

        // Act
        var act = () => trainer.Fit(model, data);

        // Assert
        act.Should().Throw<NonFiniteLossException>().WithMessage("*epoch 1, batch 4*'dialog'*")
            .Which.Heads.Should().Equal("dialog");
        TestData.Flatten(model.Network.parameters()).Where(v => !float.IsFinite(v)).Should().HaveCount(poison.PoisonedValues);
        var before = poison.Snapshot!;
        var after = TestData.Flatten(model.Network.parameters());
        after.Zip(before).Where(p => float.IsFinite(p.First)).Should().OnlyContain(p => p.First == p.Second);
    }

    [Fact]
    public void When_a_custom_backbone_has_a_frozen_layer_it_should_leave_that_layer_unchanged_and_train_the_rest()
    {
        // Arrange: the first layer does not require gradients, so it stays out of the flat parameter buffer.
        var frozen = torch.nn.Linear(8, 6);
        frozen.weight!.requires_grad = false;
        frozen.bias!.requires_grad = false;
        using var model = MultiHeadModel.Create(8, TestData.Heads(), torch.nn.Sequential(frozen, torch.nn.Tanh(), torch.nn.Linear(6, 6)), 6, new MultiHeadModelOptions { Seed = 3 });
        float[] frozenBefore = TestData.Flatten([frozen.weight, frozen.bias]);
        float[] allBefore = TestData.Flatten(model.Network.parameters());

        // Act
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 2, Seed = 1 }).Fit(model, TestData.Ratings(200, seed: 5));

        // Assert
        TestData.Flatten([frozen.weight, frozen.bias]).Should().Equal(frozenBefore);
        TestData.Flatten(model.Network.parameters()).Should().NotEqual(allBefore);
    }

    [Fact]
    public void When_a_custom_backbone_mixes_dtypes_it_should_refuse_it_naming_them()
    {
        // Arrange: a float64 layer feeding float32 heads.
        using var model = MultiHeadModel.Create(8, TestData.Heads(), torch.nn.Sequential(torch.nn.Linear(8, 6, dtype: torch.float64)), 6);

        // Act
        var act = () => new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1 }).Fit(model, TestData.Ratings(50, seed: 5));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*share one dtype and device*Float64*Float32*");
        model.ClassWeights.Should().BeNull("the refused fit must not leave the model half-prepared");
    }

    private sealed class EpochCountingSource(IReadOnlyList<MultiHeadDataset> batches) : IMultiHeadBatchSource
    {
        public List<int> Passes { get; } = [];

        public IEnumerable<MultiHeadDataset> GetBatches(int epoch)
        {
            Passes.Add(epoch);
            return batches;
        }
    }

    private sealed class BatchCounter(int cancelAfter, CancellationTokenSource source) : TrainingCallback
    {
        public int Batches { get; private set; }

        public override void OnBatchEnd(BatchEndArgs args)
        {
            if (++Batches == cancelAfter)
            {
                source.Cancel();
            }
        }
    }

    private sealed class LiveTensorProbe : TrainingCallback
    {
        public List<long> LiveCounts { get; } = [];

        public override void OnEpochEnd(EpochEndArgs args) =>
            LiveCounts.Add(DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }

    private sealed class Recorder : TrainingCallback
    {
        public List<string> Events { get; } = [];

        public override void OnTrainBegin(TrainBeginArgs args) => Events.Add("begin");

        public override void OnBatchEnd(BatchEndArgs args) => Events.Add($"b{args.Epoch}.{args.Batch}");

        public override void OnEpochEnd(EpochEndArgs args) => Events.Add($"e{args.Summary.Epoch}");

        public override void OnTrainEnd(TrainEndArgs args) => Events.Add("end");
    }

    private sealed class SyncProgress(List<BatchEndArgs> reports) : IProgress<BatchEndArgs>
    {
        public void Report(BatchEndArgs value) => reports.Add(value);
    }

    private sealed class Poisoner(MultiHeadModel model, int afterBatch) : TrainingCallback
    {
        public float[]? Snapshot { get; private set; }

        public int PoisonedValues { get; private set; }

        public override void OnBatchEnd(BatchEndArgs args)
        {
            if (args.Batch != afterBatch)
            {
                return;
            }

            using var noGrad = torch.no_grad();
            using var bias = model.Network.HeadBias("dialog");
            bias.fill_(float.NaN);
            PoisonedValues = (int)bias.numel();
            Snapshot = TestData.Flatten(model.Network.parameters());
        }
    }
}
