using FluentAssertions;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Data;

public sealed class MultiHeadDataFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-datafile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string DataPath => Path.Combine(_folder, "train.mhcdata");

    private static MultiHeadTrainerOptions TrainerOptions(string? checkpoint = null) => new()
    {
        Epochs = 5,
        BatchSize = 32,
        LearningRate = 5e-3,
        LearningRateSchedule = LearningRateSchedule.Cosine(0.1),
        Seed = 11,
        Checkpoint = checkpoint is null ? null : new CheckpointOptions(new CheckpointFile(checkpoint)) { EveryEpochs = 2 },
    };

    private static MultiHeadModel NewModel() =>
        MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions
        {
            Seed = 5,
            Backbone = new MlpBackboneOptions { HiddenSizes = [32, 16], Dropout = 0.2 },
        });

    /// <summary>Rows whose first feature is their row index, so that a batch says which rows it holds.</summary>
    private static MultiHeadDataset Indexed(int rows)
    {
        var ratings = TestData.Ratings(rows, seed: 3);
        var features = TestData.Rows(ratings);
        for (int r = 0; r < rows; r++)
        {
            features[r][0] = r;
        }

        var labels = new int[rows, ratings.HeadCount];
        for (int r = 0; r < rows; r++)
        {
            for (int h = 0; h < ratings.HeadCount; h++)
            {
                labels[r, h] = ratings.Label(r, h);
            }
        }

        return new MultiHeadDataset(features, labels, TestData.HeadNames);
    }

    private string Write(MultiHeadDataset data)
    {
        using var writer = MultiHeadDataFile.Create(DataPath, data.FeatureCount, TestData.HeadNames, [5, 5, 5, 5]);
        writer.Append(data);
        writer.Complete();
        return DataPath;
    }

    private static int[] RowIds(IEnumerable<MultiHeadDataset> batches) =>
        [.. batches.SelectMany(b => Enumerable.Range(0, b.RowCount).Select(r => (int)b.Features[r * b.FeatureCount]))];

    [Fact]
    public void When_shuffling_is_off_it_should_give_the_rows_in_file_order_in_batches_of_the_batch_size()
    {
        // Arrange
        var data = Indexed(100);
        using var source = MultiHeadDataFile.Open(Write(data), new MultiHeadDataFileOptions { BatchSize = 32, Shuffle = false, ChunkRows = 7 });

        // Act
        var batches = source.GetBatches(3).ToList();

        // Assert
        source.RowCount.Should().Be(100);
        source.HeadNames.Should().Equal(TestData.HeadNames);
        batches.Select(b => b.RowCount).Should().Equal(32, 32, 32, 4);
        for (int b = 0; b < batches.Count; b++)
        {
            var expected = data.Slice(b * 32, batches[b].RowCount);
            batches[b].Features.ToArray().Should().Equal(expected.Features.ToArray());
            batches[b].Labels.ToArray().Should().Equal(expected.Labels.ToArray());
            batches[b].HeadNames.Should().Equal(TestData.HeadNames);
        }
    }

    [Fact]
    public void When_shuffling_is_on_it_should_visit_every_row_once_per_epoch_in_an_order_fixed_by_seed_and_epoch()
    {
        // Arrange
        string path = Write(Indexed(250));
        var options = new MultiHeadDataFileOptions { BatchSize = 16, Seed = 42, ChunkRows = 60 };
        using var source = MultiHeadDataFile.Open(path, options);
        using var again = MultiHeadDataFile.Open(path, options);
        using var otherSeed = MultiHeadDataFile.Open(path, options with { Seed = 43 });

        // Act
        int[] epoch1 = RowIds(source.GetBatches(1));
        int[] epoch2 = RowIds(source.GetBatches(2));

        // Assert
        epoch1.Should().BeEquivalentTo(Enumerable.Range(0, 250)).And.NotEqual(Enumerable.Range(0, 250));
        epoch2.Should().BeEquivalentTo(Enumerable.Range(0, 250)).And.NotEqual(epoch1);
        RowIds(again.GetBatches(1)).Should().Equal(epoch1);
        RowIds(source.GetBatches(1)).Should().Equal(epoch1);
        RowIds(otherSeed.GetBatches(1)).Should().NotEqual(epoch1);
        RowIds(source.GetBatches(0)).Should().Equal(Enumerable.Range(0, 250), "the statistics pass reads in file order");
        epoch1.Take(60).Select(r => r / 60).Distinct().Should().ContainSingle("the rows of one chunk are visited together");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void When_a_model_is_trained_from_the_file_it_should_end_with_the_weights_of_training_on_the_same_batches_in_memory(bool shuffle)
    {
        // Arrange
        var data = TestData.Ratings(300, seed: 13);
        using var source = MultiHeadDataFile.Open(Write(data), new MultiHeadDataFileOptions { BatchSize = 32, Shuffle = shuffle, Seed = 11, ChunkRows = 50 });
        var inMemory = new RecordedSource(source, epochs: 5);
        using var fromMemory = NewModel();
        using var fromDisk = NewModel();

        // Act
        var memoryHistory = new MultiHeadTrainer(TrainerOptions()).Fit(fromMemory, inMemory);
        var diskHistory = new MultiHeadTrainer(TrainerOptions()).Fit(fromDisk, source);

        // Assert
        TestData.Flatten(fromDisk.Network.parameters()).Should().Equal(TestData.Flatten(fromMemory.Network.parameters()));
        diskHistory.Epochs.Select(e => e.TrainLoss).Should().Equal(memoryHistory.Epochs.Select(e => e.TrainLoss));
    }

    [Fact]
    public void When_shuffling_is_off_it_should_train_to_the_weights_of_an_in_memory_batch_source_of_file_order_slices()
    {
        // Arrange
        var data = TestData.Ratings(300, seed: 13);
        using var source = MultiHeadDataFile.Open(Write(data), new MultiHeadDataFileOptions { BatchSize = 40, Shuffle = false });
        var inMemory = new InMemoryBatchSource([.. Enumerable.Range(0, 8).Select(b => data.Slice(b * 40, Math.Min(40, 300 - (b * 40))))]);
        using var fromMemory = NewModel();
        using var fromDisk = NewModel();

        // Act
        new MultiHeadTrainer(TrainerOptions()).Fit(fromMemory, inMemory);
        new MultiHeadTrainer(TrainerOptions()).Fit(fromDisk, source);

        // Assert
        TestData.Flatten(fromDisk.Network.parameters()).Should().Equal(TestData.Flatten(fromMemory.Network.parameters()));
    }

    [Fact]
    public void When_a_run_from_the_file_crashes_and_resumes_it_should_end_with_the_weights_of_an_uninterrupted_run_bit_for_bit()
    {
        // Arrange
        string checkpointPath = Path.Combine(_folder, "run.mhcckpt");
        using var source = MultiHeadDataFile.Open(Write(TestData.Ratings(320, seed: 13)), new MultiHeadDataFileOptions { BatchSize = 40, Seed = 11, ChunkRows = 64 });
        float[] uninterrupted;
        using (var model = NewModel())
        {
            new MultiHeadTrainer(TrainerOptions()).Fit(model, source);
            uninterrupted = TestData.Flatten(model.Network.parameters());
        }

        // Act
        using (var crashing = NewModel())
        {
            var act = () => new MultiHeadTrainer(TrainerOptions(checkpointPath) with { Callbacks = [new CrashAt(epoch: 4, batch: 3)] }).Fit(crashing, source);
            act.Should().Throw<SimulatedCrash>();
        }

        var checkpoint = CheckpointFile.Load(checkpointPath);
        using var resumed = checkpoint.Model;
        new MultiHeadTrainer(TrainerOptions(checkpointPath)).Resume(checkpoint, source);

        // Assert
        checkpoint.CompletedEpochs.Should().Be(2);
        TestData.Flatten(resumed.Network.parameters()).Should().Equal(uninterrupted);
    }

    [Fact]
    public void When_an_epoch_is_left_after_one_batch_it_should_stop_reading_ahead_and_start_the_next_pass_from_the_top()
    {
        // Arrange
        var data = Indexed(500);
        using var source = MultiHeadDataFile.Open(Write(data), new MultiHeadDataFileOptions { BatchSize = 10, Shuffle = false, ChunkRows = 20 });

        // Act
        var first = source.GetBatches(1).First();
        var again = source.GetBatches(1).ToList();

        // Assert
        RowIds([first]).Should().Equal(Enumerable.Range(0, 10));
        RowIds(again).Should().Equal(Enumerable.Range(0, 500));
    }

    [Fact]
    public void When_the_file_is_truncated_it_should_refuse_it_naming_the_file()
    {
        // Arrange
        string path = Write(TestData.Ratings(50, seed: 1));
        byte[] bytes = File.ReadAllBytes(path);

        foreach (int length in new[] { 0, 5, 14, 40, bytes.Length - 1, bytes.Length - 41 })
        {
            File.WriteAllBytes(path, bytes[..length]);

            // Act
            var act = () => MultiHeadDataFile.Open(path).Dispose();

            // Assert
            act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*truncated*", $"a file cut to {length} bytes is truncated");
        }
    }

    [Fact]
    public void When_bytes_follow_the_last_row_it_should_refuse_the_file()
    {
        // Arrange
        string path = Write(TestData.Ratings(50, seed: 1));
        File.AppendAllText(path, "x");

        // Act
        var act = () => MultiHeadDataFile.Open(path).Dispose();

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*1 bytes follow its last row*");
    }

    [Fact]
    public void When_any_header_byte_is_damaged_it_should_refuse_the_file_with_a_clear_message()
    {
        // Arrange
        string path = Write(TestData.Ratings(20, seed: 1));
        byte[] original = File.ReadAllBytes(path);
        int headerLength = original.Length - (20 * ((8 * sizeof(float)) + (4 * sizeof(short))));
        var random = new Random(7);

        for (int i = 0; i < headerLength; i++)
        {
            byte[] damaged = (byte[])original.Clone();
            damaged[i] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(path, damaged);

            // Act
            var act = () => MultiHeadDataFile.Open(path).Dispose();

            // Assert
            act.Should().Throw<InvalidDataException>($"byte {i} is damaged").Which.Message.Should().Contain($"'{path}'");
        }
    }

    [Fact]
    public void When_the_file_has_a_newer_format_version_it_should_ask_for_an_upgrade()
    {
        // Arrange
        string path = Write(TestData.Ratings(20, seed: 1));
        byte[] bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(MultiHeadDataFile.FormatVersion + 1).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        // Act
        var act = () => MultiHeadDataFile.Open(path).Dispose();

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' has training data format version {MultiHeadDataFile.FormatVersion + 1}*Upgrade*");
    }

    [Fact]
    public void When_the_options_are_invalid_it_should_list_every_problem()
    {
        // Arrange
        string path = Write(TestData.Ratings(20, seed: 1));

        // Act
        var act = () => MultiHeadDataFile.Open(path, new MultiHeadDataFileOptions { BatchSize = 0, ChunkRows = -1 }).Dispose();

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("BatchSize is 0*ChunkRows is -1*");
    }

    [Fact]
    public void When_random_bytes_are_opened_it_should_say_that_they_are_not_a_data_file()
    {
        // Arrange
        var random = new Random(3);
        byte[] noise = new byte[4096];
        random.NextBytes(noise);
        File.WriteAllBytes(DataPath, noise);

        // Act
        var act = () => MultiHeadDataFile.Open(DataPath).Dispose();

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{DataPath}' is not a MultiHeadClassifier training data file*");
    }

    [Theory]
    [InlineData(0, new byte[] { 0x00, 0x00, 0xC0, 0x7F }, "*row 3, feature 0 is NaN*")]
    [InlineData(32, new byte[] { 0x05, 0x00 }, "*row 3, head 'plot' has label 5*")]
    public void When_a_row_is_damaged_it_should_refuse_it_when_read_naming_the_file_and_row(int offsetInRecord, byte[] value, string message)
    {
        // Arrange
        string path = Write(TestData.Ratings(20, seed: 1));
        byte[] bytes = File.ReadAllBytes(path);
        int record = (8 * sizeof(float)) + (4 * sizeof(short));
        int dataStart = bytes.Length - (20 * record);
        value.CopyTo(bytes, dataStart + (3 * record) + offsetInRecord);
        File.WriteAllBytes(path, bytes);
        using var source = MultiHeadDataFile.Open(path);

        // Act
        var act = () => source.GetBatches(1).ToList();

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is corrupt: {message}");
    }

    [Fact]
    public void When_a_row_has_a_label_outside_its_head_it_should_refuse_to_append_it_naming_the_row()
    {
        // Arrange
        using var writer = MultiHeadDataFile.Create(DataPath, 2, ["plot"], [3]);
        writer.Append([1f, 2f], [2]);

        // Act
        var act = () => writer.Append([1f, 2f], [3]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Label 3 at row 1 for head 'plot' is invalid*");
    }

    [Fact]
    public void When_a_writer_is_disposed_without_completing_it_should_delete_the_partial_file()
    {
        // Arrange
        var writer = MultiHeadDataFile.Create(DataPath, 2, ["plot"], [3]);
        writer.Append([1f, 2f], [2]);

        // Act
        writer.Dispose();

        // Assert
        File.Exists(DataPath).Should().BeFalse();
    }

    private sealed class SimulatedCrash : Exception;

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

    /// <summary>Another source's batches for epochs 0..N, copied into memory.</summary>
    private sealed class RecordedSource(IMultiHeadBatchSource source, int epochs) : IMultiHeadBatchSource
    {
        private readonly List<MultiHeadDataset>[] _epochs = [.. Enumerable.Range(0, epochs + 1).Select(e => source.GetBatches(e).ToList())];

        public IEnumerable<MultiHeadDataset> GetBatches(int epoch) => _epochs[epoch];
    }
}
