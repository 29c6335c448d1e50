using System.Runtime.InteropServices;
using FluentAssertions;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Training;

/// <summary>
/// The streaming step's host fast paths against the tensor operations they replace (bit for bit), and the rule that
/// only a data file whose own checks imply the model's skips the per-batch checks.
/// </summary>
public sealed class StreamingDataTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-streaming-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Bytes(Tensor t) => t.contiguous().bytes.ToArray();

    [Fact]
    public void When_targets_are_built_on_the_host_it_should_give_the_tensor_paths_targets_bit_for_bit()
    {
        // Arrange: skewed weights (not powers of two) and about 3% missing labels.
        var data = TestData.Ratings(300, seed: 21);
        var heads = TestData.Heads(ClassWeighting.Balanced(smoothing: 1));
        var weights = heads.ToDictionary(h => h.Name, h => Enumerable.Range(0, 5).Select(c => 1f / (c + 1.37f)).ToArray());
        using var loss = new MultiHeadLoss(heads, weights);
        using var labels = TensorData.Labels(data, CPU);
        data.Labels.ToArray().Should().Contain(-1, "the missing-label case must be exercised");

        // Act
        using var reference = loss.PrepareTargets(labels);
        bool built = loss.TryPrepareTargets(data.Labels, data.RowCount, CPU, out var host);
        using var hostTargets = host;

        // Assert
        built.Should().BeTrue();
        Bytes(hostTargets.Columns!).Should().Equal(Bytes(reference.Columns!));
        Bytes(hostTargets.Weights!).Should().Equal(Bytes(reference.Weights!));
        hostTargets.Columns!.dtype.Should().Be(reference.Columns!.dtype);
        hostTargets.Weights!.dtype.Should().Be(reference.Weights!.dtype);
    }

    [Fact]
    public void When_a_head_is_ordinal_it_should_leave_the_targets_to_the_tensor_path()
    {
        // Arrange
        var data = TestData.Ratings(50, seed: 21);
        HeadDefinition[] heads = [.. TestData.HeadNames.Select((n, i) => new HeadDefinition(n, 5, loss: i == 1 ? HeadLoss.Corn : HeadLoss.CrossEntropy))];
        using var loss = new MultiHeadLoss(heads, heads.ToDictionary(h => h.Name, _ => new float[] { 1, 1, 1, 1, 1 }));

        // Act
        bool built = loss.TryPrepareTargets(data.Labels, data.RowCount, CPU, out _);

        // Assert
        built.Should().BeFalse();
    }

    [Fact]
    public void When_features_are_standardised_while_copied_it_should_give_the_models_tensor_standardisation_bit_for_bit()
    {
        // Arrange: a fitted standardisation with means and scales far from 0 and 1.
        var data = TestData.Ratings(200, seed: 5);
        var shifted = new float[data.RowCount, data.FeatureCount];
        for (int r = 0; r < data.RowCount; r++)
        {
            for (int f = 0; f < data.FeatureCount; f++)
            {
                shifted[r, f] = (data.Features[(r * data.FeatureCount) + f] * (3.3f + f)) + (7.1f * f) - 2.9f;
            }
        }

        int[,] labels = new int[data.RowCount, data.HeadCount];
        Buffer.BlockCopy(data.Labels.ToArray(), 0, labels, 0, data.Labels.Length * sizeof(int));
        var train = new MultiHeadDataset(shifted, labels, TestData.HeadNames);
        using var model = MultiHeadModel.Create(train.FeatureCount, TestData.Heads(), new MultiHeadModelOptions { Seed = 1, Backbone = new MlpBackboneOptions { HiddenSizes = [4] } });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1, BatchSize = 64, Seed = 1 }).Fit(model, train);
        model.Standardizer.Should().NotBeNull();
        using var raw = empty([train.RowCount, train.FeatureCount], float32);
        train.Features.CopyTo(MemoryMarshal.Cast<byte, float>(raw.bytes));

        // Act
        using var reference = model.Prepare(raw);
        using var copied = TensorData.Features(train, model.Standardizer, CPU);

        // Assert
        Bytes(copied).Should().Equal(Bytes(reference));
    }

    [Fact]
    public void When_a_data_file_allows_more_classes_than_the_model_it_should_still_check_every_batch_against_the_model()
    {
        // Arrange: the file declares 6 classes for 'plot' and holds a 5, which a 5-class head cannot take.
        var data = TestData.Ratings(40, seed: 3);
        var labels = data.Labels.ToArray();
        labels[(17 * data.HeadCount) + 0] = 5;
        string path = Path.Combine(_folder, "wide.mhcdata");
        using (var writer = MultiHeadDataFile.Create(path, data.FeatureCount, TestData.HeadNames, [6, 5, 5, 5]))
        {
            for (int r = 0; r < data.RowCount; r++)
            {
                writer.Append(data.Features.Slice(r * data.FeatureCount, data.FeatureCount), labels.AsSpan(r * data.HeadCount, data.HeadCount));
            }

            writer.Complete();
        }

        using var source = MultiHeadDataFile.Open(path, new MultiHeadDataFileOptions { BatchSize = 16, Shuffle = false });
        using var model = MultiHeadModel.Create(data.FeatureCount, TestData.Heads(ClassWeighting.Explicit(1, 1, 1, 1, 1)), new MultiHeadModelOptions { Seed = 1 });

        // Act
        var act = () => new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1, Seed = 1 }).Fit(model, source);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Training batch 2:*'plot'*label 5 at row 1*0..4*");
    }

    [Fact]
    public void When_the_trainer_reuses_its_batches_arrays_it_should_leave_batches_a_caller_holds_unchanged()
    {
        // Arrange: a caller keeps one epoch's batches, then a model trains from the same source for several epochs.
        var data = TestData.Ratings(300, seed: 9);
        string path = Path.Combine(_folder, "train.mhcdata");
        using (var writer = MultiHeadDataFile.Create(path, data.FeatureCount, TestData.HeadNames, [5, 5, 5, 5]))
        {
            writer.Append(data);
            writer.Complete();
        }

        using var source = MultiHeadDataFile.Open(path, new MultiHeadDataFileOptions { BatchSize = 32, Seed = 4, ChunkRows = 100 });
        var held = new List<MultiHeadDataset>();
        var snapshot = new List<(float[] Features, int[] Labels)>();
        foreach (var batch in source.GetBatches(1))
        {
            held.Add(batch);
            snapshot.Add((batch.Features.ToArray(), batch.Labels.ToArray()));
        }

        using var model = MultiHeadModel.Create(data.FeatureCount, TestData.Heads(ClassWeighting.Explicit(1, 1, 1, 1, 1)), new MultiHeadModelOptions { Seed = 1 });

        // Act
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 3, BatchSize = 32, Seed = 1 }).Fit(model, source);

        // Assert: the trainer's epochs visit other shuffled orders, so a reused array would hold other rows.
        held.Should().HaveCount(10);
        for (int b = 0; b < held.Count; b++)
        {
            held[b].Features.ToArray().Should().Equal(snapshot[b].Features);
            held[b].Labels.ToArray().Should().Equal(snapshot[b].Labels);
        }
    }
}
