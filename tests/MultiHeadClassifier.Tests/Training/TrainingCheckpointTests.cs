using FluentAssertions;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Training;

public sealed class TrainingCheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string CheckpointPath => Path.Combine(_folder, "run.mhcckpt");

    // Dropout, shuffling, a schedule that depends on the total epoch count, Adam's moments and early-stopping
    // bookkeeping (set where a test passes validation data) all carry state across epochs, so each one breaks
    // exact resume if the checkpoint misses it.
    private MultiHeadTrainerOptions Options(OptimizerKind optimizer = OptimizerKind.Adam) => new()
    {
        Epochs = 7,
        BatchSize = 32,
        LearningRate = 5e-3,
        Optimizer = optimizer,
        LearningRateSchedule = LearningRateSchedule.Cosine(0.1),
        Seed = 11,
        Checkpoint = new CheckpointOptions(new CheckpointFile(CheckpointPath)) { EveryEpochs = 2 },
    };

    private static MultiHeadModel NewModel() =>
        MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions
        {
            Seed = 5,
            Backbone = new MlpBackboneOptions { HiddenSizes = [32, 16], Dropout = 0.2 },
        });

    [Theory]
    [InlineData(OptimizerKind.Adam, 0.01)]
    [InlineData(OptimizerKind.AdamW, 0.01)]
    [InlineData(OptimizerKind.Sgd, 0.01)]
    public void When_a_run_crashes_and_resumes_from_its_checkpoint_it_should_end_with_the_weights_of_an_uninterrupted_run_bit_for_bit(OptimizerKind optimizer, double weightDecay)
    {
        // Arrange
        var data = TestData.Ratings(600, seed: 3);
        var train = data.Slice(0, 480);
        var validation = data.Slice(480, 120);
        float[] uninterrupted;
        TrainingHistory uninterruptedHistory;
        using (var model = NewModel())
        {
            uninterruptedHistory = new MultiHeadTrainer(Options(optimizer) with { Checkpoint = null, EarlyStoppingPatience = 100, WeightDecay = weightDecay }).Fit(model, train, validation);
            uninterrupted = TestData.Flatten(model.Network.parameters());
        }

        // Act: the process "dies" in the middle of epoch 5; the last checkpoint is from epoch 4.
        using (var crashing = NewModel())
        {
            var crash = new CrashAt(epoch: 5, batch: 7);
            var act = () => new MultiHeadTrainer(Options(optimizer) with { Callbacks = [crash], EarlyStoppingPatience = 100, WeightDecay = weightDecay }).Fit(crashing, train, validation);
            act.Should().Throw<SimulatedCrash>();
        }

        var checkpoint = CheckpointFile.Load(CheckpointPath);
        using var resumed = checkpoint.Model;
        float[] atCheckpoint = TestData.Flatten(resumed.Network.parameters());
        var history = new MultiHeadTrainer(Options(optimizer) with { EarlyStoppingPatience = 100, WeightDecay = weightDecay }).Resume(checkpoint, train, validation);
        float[] final = TestData.Flatten(resumed.Network.parameters());

        // Assert
        checkpoint.CompletedEpochs.Should().Be(4, "checkpoints are written every 2 epochs and the crash came during epoch 5");
        atCheckpoint.Should().NotEqual(final, "epochs 5 to 7 must have trained the resumed model");
        final.Should().Equal(uninterrupted, "resuming must reproduce the uninterrupted run exactly");
        history.Epochs.Select(e => e.Epoch).Should().Equal(1, 2, 3, 4, 5, 6, 7);
        history.Epochs.Select(e => e.TrainLoss).Should().Equal(uninterruptedHistory.Epochs.Select(e => e.TrainLoss));
        history.Epochs.Select(e => e.ValidationLoss).Should().Equal(uninterruptedHistory.Epochs.Select(e => e.ValidationLoss));
        history.BestEpoch.Should().Be(uninterruptedHistory.BestEpoch);
        history.Seed.Should().Be(11);
    }

    [Fact]
    public void When_a_streaming_run_crashes_and_resumes_it_should_end_with_the_weights_of_an_uninterrupted_run_bit_for_bit()
    {
        // Arrange: a source that reorders its batches per epoch from the epoch number, as IMultiHeadBatchSource asks.
        var source = new EpochShuffledSource(TestData.Ratings(320, seed: 13), batchSize: 40);
        float[] uninterrupted;
        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Checkpoint = null }).Fit(model, source);
            uninterrupted = TestData.Flatten(model.Network.parameters());
        }

        // Act
        using (var crashing = NewModel())
        {
            var act = () => new MultiHeadTrainer(Options() with { Callbacks = [new CrashAt(epoch: 6, batch: 3)] }).Fit(crashing, source);
            act.Should().Throw<SimulatedCrash>();
        }

        var checkpoint = CheckpointFile.Load(CheckpointPath);
        using var resumed = checkpoint.Model;
        new MultiHeadTrainer(Options()).Resume(checkpoint, source);

        // Assert
        checkpoint.CompletedEpochs.Should().Be(4);
        TestData.Flatten(resumed.Network.parameters()).Should().Equal(uninterrupted);
    }

    [Fact]
    public void When_one_checkpoint_is_resumed_twice_it_should_end_both_runs_with_the_same_weights()
    {
        // Arrange
        var train = TestData.Ratings(300, seed: 4);
        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Epochs = 2 }).Fit(model, train);
        }

        var trainer = new MultiHeadTrainer(Options() with { Epochs = 4, Checkpoint = null });

        // Act
        float[] Resume()
        {
            var checkpoint = CheckpointFile.Load(CheckpointPath);
            using var model = checkpoint.Model;
            trainer.Resume(checkpoint, train).Epochs.Should().HaveCount(4);
            return TestData.Flatten(model.Network.parameters());
        }

        // Assert
        Resume().Should().Equal(Resume());
    }

    [Fact]
    public void When_the_checkpoint_is_of_a_finished_run_it_should_return_its_history_without_training()
    {
        // Arrange
        var train = TestData.Ratings(200, seed: 5);
        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Epochs = 2 }).Fit(model, train);
        }

        var checkpoint = CheckpointFile.Load(CheckpointPath);
        using var resumed = checkpoint.Model;
        float[] before = TestData.Flatten(resumed.Network.parameters());

        // Act
        var history = new MultiHeadTrainer(Options() with { Epochs = 2 }).Resume(checkpoint, train);

        // Assert
        history.Epochs.Should().HaveCount(2);
        TestData.Flatten(resumed.Network.parameters()).Should().Equal(before);
    }

    [Fact]
    public void When_checkpoints_are_written_every_3_epochs_of_8_it_should_leave_the_file_at_epoch_6()
    {
        // Arrange
        var train = TestData.Ratings(200, seed: 6);
        using var model = NewModel();

        // Act
        new MultiHeadTrainer(Options() with { Epochs = 8, Checkpoint = new CheckpointOptions(new CheckpointFile(CheckpointPath)) { EveryEpochs = 3 } }).Fit(model, train);
        var checkpoint = CheckpointFile.Load(CheckpointPath);
        using var loaded = checkpoint.Model;

        // Assert
        checkpoint.CompletedEpochs.Should().Be(6, "6 is the last multiple of 3 not above 8");
        checkpoint.Epochs.Select(e => e.Epoch).Should().Equal(1, 2, 3, 4, 5, 6);
        checkpoint.Seed.Should().Be(11);
        checkpoint.Optimizer.Should().Be(OptimizerKind.Adam);
        Directory.GetFiles(_folder).Should().ContainSingle("the atomic writes leave no temporary files behind");
    }

    [Fact]
    public void When_resuming_with_another_optimizer_it_should_throw_naming_both()
    {
        // Arrange
        var train = TestData.Ratings(100, seed: 7);
        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Epochs = 2 }).Fit(model, train);
        }

        var checkpoint = CheckpointFile.Load(CheckpointPath);
        using var resumed = checkpoint.Model;

        // Act
        var act = () => new MultiHeadTrainer(Options(OptimizerKind.Sgd)).Resume(checkpoint, train);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*Adam optimizer*uses Sgd*");
    }

    [Fact]
    public void When_the_checkpoint_folder_does_not_exist_it_should_throw_before_training()
    {
        // Arrange
        using var model = NewModel();
        string missing = Path.Combine(_folder, "missing", "run.mhcckpt");
        var options = Options() with { Checkpoint = new CheckpointOptions(new CheckpointFile(missing)) };

        // Act
        var act = () => new MultiHeadTrainer(options).Fit(model, TestData.Ratings(50, seed: 8));

        // Assert
        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"*{Path.Combine(_folder, "missing")}*");
        model.ClassWeights.Should().BeNull("nothing was trained");
    }

    [Fact]
    public void When_a_store_of_its_own_keeps_the_checkpoints_it_should_resume_from_its_bytes_as_from_the_file()
    {
        // Arrange: the same run checkpointed to memory (through the public stream format) and to a file.
        var train = TestData.Ratings(300, seed: 4);
        var memory = new MemoryStore();
        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Epochs = 4, Checkpoint = new CheckpointOptions(memory) { EveryEpochs = 2 } }).Fit(model, train);
        }

        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Epochs = 4 }).Fit(model, train);
        }

        // Act
        var fromMemory = CheckpointFile.Read(new MemoryStream(memory.Saved[^1]), "memory");
        var fromFile = CheckpointFile.Load(CheckpointPath);
        using var memoryModel = fromMemory.Model;
        using var fileModel = fromFile.Model;
        int completed = fromMemory.CompletedEpochs;
        new MultiHeadTrainer(Options() with { Epochs = 6, Checkpoint = null }).Resume(fromMemory, train);
        new MultiHeadTrainer(Options() with { Epochs = 6, Checkpoint = null }).Resume(fromFile, train);

        // Assert
        memory.EnsureWritableCalls.Should().Be(1);
        memory.Saved.Should().HaveCount(2, "epochs 2 and 4 are the multiples of 2");
        completed.Should().Be(4);
        fromFile.CompletedEpochs.Should().Be(4, "resuming works on a copy of the checkpoint's state");
        TestData.Flatten(memoryModel.Network.parameters()).Should().Equal(TestData.Flatten(fileModel.Network.parameters()));
    }

    [Fact]
    public void When_the_store_refuses_before_training_it_should_train_nothing()
    {
        // Arrange
        using var model = NewModel();
        var store = new MemoryStore { Refuse = true };

        // Act
        var act = () => new MultiHeadTrainer(Options() with { Checkpoint = new CheckpointOptions(store) }).Fit(model, TestData.Ratings(50, seed: 8));

        // Assert
        act.Should().Throw<IOException>().WithMessage("store offline");
        store.Saved.Should().BeEmpty();
        model.ClassWeights.Should().BeNull("nothing was trained");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void When_checkpoint_every_epochs_is_not_positive_it_should_be_rejected(int every)
    {
        var act = () => new MultiHeadTrainer(new MultiHeadTrainerOptions { Checkpoint = new CheckpointOptions(new CheckpointFile("x.mhcckpt")) { EveryEpochs = every } });

        act.Should().Throw<ArgumentException>().WithMessage($"*Checkpoint.EveryEpochs must be at least 1, but was {every}*");
    }

    [Fact]
    public void When_loading_a_model_file_as_a_checkpoint_it_should_say_it_is_not_a_checkpoint()
    {
        // Arrange
        using var model = NewModel();
        string modelPath = Path.Combine(_folder, "model.mhc");
        ModelFile.Save(model, modelPath);

        // Act
        var act = () => CheckpointFile.Load(modelPath);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage("*model.mhc' is not a MultiHeadClassifier training checkpoint file*");
    }

    [Fact]
    public void When_a_checkpoint_is_cut_short_at_any_point_it_should_be_reported_as_truncated()
    {
        // Arrange
        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Epochs = 2, EarlyStoppingPatience = 5 }).Fit(model, TestData.Ratings(100, seed: 9), TestData.Ratings(40, seed: 10));
        }

        byte[] bytes = File.ReadAllBytes(CheckpointPath);
        string cut = Path.Combine(_folder, "cut.mhcckpt");
        var random = new Random(12);

        // Act & assert: every section boundary region is hit by some of 40 random cut lengths plus the edges.
        foreach (int length in new[] { 0, 7, 12, bytes.Length - 1 }.Concat(Enumerable.Range(0, 40).Select(_ => random.Next(bytes.Length))))
        {
            File.WriteAllBytes(cut, bytes[..length]);
            var act = () => CheckpointFile.Load(cut);
            act.Should().Throw<InvalidDataException>().WithMessage("*cut.mhcckpt*", $"a checkpoint cut at {length} of {bytes.Length} bytes is invalid");
        }
    }

    [Fact]
    public void When_checkpoint_bytes_are_randomly_corrupted_it_should_fail_with_a_clear_error_before_libtorch_sees_them()
    {
        // Arrange: a valid checkpoint, then 60 seeded variants with 1–4 bytes changed anywhere. Before the file had
        // a checksum, a changed generator state reached libtorch's set_state, which aborts the whole process.
        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Epochs = 2 }).Fit(model, TestData.Ratings(96, seed: 14));
        }

        byte[] valid = File.ReadAllBytes(CheckpointPath);
        string corrupt = Path.Combine(_folder, "corrupt.mhcckpt");
        for (int seed = 0; seed < 60; seed++)
        {
            var random = new Random(1000 + seed);
            byte[] bytes = (byte[])valid.Clone();
            for (int changes = random.Next(1, 5); changes > 0; changes--)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            }

            File.WriteAllBytes(corrupt, bytes);

            // Act
            var act = () => CheckpointFile.Load(corrupt);

            // Assert: a changed magic or version is named as such; any other change fails the checksum.
            act.Should().Throw<InvalidDataException>($"seed {1000 + seed}").WithMessage("*corrupt.mhcckpt*");
        }
    }

    [Fact]
    public void When_a_checkpoint_has_a_newer_format_version_it_should_ask_for_an_upgrade()
    {
        // Arrange
        using (var model = NewModel())
        {
            new MultiHeadTrainer(Options() with { Epochs = 2 }).Fit(model, TestData.Ratings(100, seed: 9));
        }

        byte[] bytes = File.ReadAllBytes(CheckpointPath);
        BitConverter.GetBytes(CheckpointFile.FormatVersion + 1).CopyTo(bytes, 8);
        File.WriteAllBytes(CheckpointPath, bytes);

        // Act
        var act = () => CheckpointFile.Load(CheckpointPath);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"*training checkpoint format version {CheckpointFile.FormatVersion + 1}*Upgrade*");
    }

    private sealed class SimulatedCrash : Exception;

    private sealed class EpochShuffledSource(MultiHeadClassifier.Data.MultiHeadDataset data, int batchSize) : MultiHeadClassifier.Data.IMultiHeadBatchSource
    {
        public IEnumerable<MultiHeadClassifier.Data.MultiHeadDataset> GetBatches(int epoch)
        {
            var order = Enumerable.Range(0, data.RowCount / batchSize).ToArray();
            new Random(epoch).Shuffle(order);
            return order.Select(b => data.Slice(b * batchSize, batchSize));
        }
    }

    private sealed class CrashAt(int epoch, int batch) : TrainingCallback
    {
        public override void OnBatchEnd(BatchEndArgs args)
        {
            if (args.Epoch == epoch && args.Batch == batch)
            {
                throw new SimulatedCrash();
            }
        }
    }

    /// <summary>Keeps each checkpoint's bytes in memory, in the file format.</summary>
    private sealed class MemoryStore : ICheckpointStore
    {
        public List<byte[]> Saved { get; } = [];

        public int EnsureWritableCalls { get; private set; }

        public bool Refuse { get; init; }

        public void EnsureWritable()
        {
            EnsureWritableCalls++;
            if (Refuse)
            {
                throw new IOException("store offline");
            }
        }

        public void Save(TrainingCheckpoint checkpoint)
        {
            using var buffer = new MemoryStream();
            CheckpointFile.Write(checkpoint, buffer);
            Saved.Add(buffer.ToArray());
        }
    }
}
