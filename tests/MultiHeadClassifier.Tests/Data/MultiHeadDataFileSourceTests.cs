using FluentAssertions;
using MultiHeadClassifier.Data;
using Xunit;

namespace MultiHeadClassifier.Tests.Data;

/// <summary>
/// The read ahead of the next epoch's first chunk: a pass that reaches its end starts it; the next pass must give
/// exactly the batches a source that never read ahead gives (compared with a freshly opened source, which has
/// nothing read ahead), and the read must be dropped when a pass is left early, when the source is disposed, and
/// when the next pass is for another epoch.
/// </summary>
public sealed class MultiHeadDataFileSourceTests : IDisposable
{
    private static readonly MultiHeadDataFileOptions Options = new() { BatchSize = 16, Seed = 42, ChunkRows = 60 };

    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-datafile-source-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string DataPath => Path.Combine(_folder, "train.mhcdata");

    /// <summary>250 rows whose first feature is their row index, so that a batch says which rows it holds.</summary>
    private string Write()
    {
        var data = TestData.Ratings(250, seed: 3);
        var features = TestData.Rows(data);
        var labels = new int[data.RowCount, data.HeadCount];
        for (int r = 0; r < data.RowCount; r++)
        {
            features[r][0] = r;
            for (int h = 0; h < data.HeadCount; h++)
            {
                labels[r, h] = data.Label(r, h);
            }
        }

        using var writer = MultiHeadDataFile.Create(DataPath, data.FeatureCount, TestData.HeadNames, [5, 5, 5, 5]);
        writer.Append(new MultiHeadDataset(features, labels, TestData.HeadNames));
        writer.Complete();
        return DataPath;
    }

    /// <summary>Every batch's features and labels, in order, flattened.</summary>
    private static (float[] Features, int[] Labels, int[] Sizes) Contents(IEnumerable<MultiHeadDataset> batches)
    {
        var list = batches.ToList();
        return ([.. list.SelectMany(b => b.Features.ToArray())], [.. list.SelectMany(b => b.RowMajorArrays.Labels.Take(b.RowCount * b.HeadCount))], [.. list.Select(b => b.RowCount)]);
    }

    /// <summary>Epoch <paramref name="epoch"/>'s batches from a newly opened source, which has read nothing ahead.</summary>
    private static (float[] Features, int[] Labels, int[] Sizes) Fresh(string path, MultiHeadDataFileOptions options, int epoch)
    {
        using var fresh = MultiHeadDataFile.Open(path, options);
        return Contents(fresh.GetBatches(epoch));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(1000)]
    public void When_passes_follow_each_other_it_should_start_each_from_the_chunk_read_ahead_with_the_batches_of_a_fresh_source(int chunkRows)
    {
        // Arrange
        string path = Write();
        var options = Options with { ChunkRows = chunkRows };
        using var source = MultiHeadDataFile.Open(path, options);

        // Act
        var epochs = Enumerable.Range(0, 4).Select(e => Contents(source.GetBatches(e))).ToList();

        // Assert
        for (int e = 0; e < 4; e++)
        {
            var expected = Fresh(path, options, e);
            epochs[e].Features.Should().Equal(expected.Features, $"epoch {e}'s features and order match a source without read ahead");
            epochs[e].Labels.Should().Equal(expected.Labels);
            epochs[e].Sizes.Should().Equal(expected.Sizes);
        }

        source.NextEpochReadsUsed.Should().Be(3, "epochs 1, 2 and 3 each started from the chunk the pass before read ahead");
        source.NextEpochReadsDropped.Should().Be(0);
        source.PendingNextEpochRead!.Value.Epoch.Should().Be(4);
    }

    [Fact]
    public void When_a_pass_is_left_after_its_last_batch_was_read_it_should_drop_the_read_ahead_and_still_give_the_next_epoch_exactly()
    {
        // Arrange
        string path = Write();
        var options = Options with { BatchSize = 100 };
        using var source = MultiHeadDataFile.Open(path, options);
        Contents(source.GetBatches(1));
        using var batches = source.GetBatches(2).GetEnumerator();
        batches.MoveNext().Should().BeTrue();

        // The whole pass (3 batches) fits the read-ahead queue, so its reader reaches the end and reads epoch 3 ahead.
        SpinWait.SpinUntil(() => source.PendingNextEpochRead is { Epoch: 3 }, TimeSpan.FromMinutes(1)).Should().BeTrue();
        var read = source.PendingNextEpochRead!.Value.Read;

        // Act
        batches.Dispose();

        // Assert
        read.IsCompleted.Should().BeTrue("leaving the pass stops the read ahead and waits for it");
        source.PendingNextEpochRead.Should().BeNull();
        source.NextEpochReadsDropped.Should().Be(1);
        var epoch3 = Contents(source.GetBatches(3));
        var expected = Fresh(path, options, 3);
        epoch3.Features.Should().Equal(expected.Features);
        epoch3.Labels.Should().Equal(expected.Labels);
    }

    [Fact]
    public void When_the_source_is_disposed_with_a_read_ahead_pending_it_should_stop_it_and_refuse_further_passes()
    {
        // Arrange
        using var source = MultiHeadDataFile.Open(Write(), Options);
        Contents(source.GetBatches(1));
        var read = source.PendingNextEpochRead!.Value.Read;

        // Act
        source.Dispose();

        // Assert
        read.IsCompleted.Should().BeTrue();
        source.PendingNextEpochRead.Should().BeNull();
        var act = () => source.GetBatches(2);
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void When_the_next_pass_is_for_another_epoch_it_should_drop_the_read_ahead_and_give_that_epochs_batches()
    {
        // Arrange
        string path = Write();
        using var source = MultiHeadDataFile.Open(path, Options);
        Contents(source.GetBatches(1));
        var (predicted, read) = source.PendingNextEpochRead!.Value;

        // Act
        var epoch5 = Contents(source.GetBatches(5));

        // Assert
        predicted.Should().Be(2);
        read.IsCompleted.Should().BeTrue();
        source.NextEpochReadsUsed.Should().Be(0);
        source.NextEpochReadsDropped.Should().Be(1);
        var expected = Fresh(path, Options, 5);
        epoch5.Features.Should().Equal(expected.Features);
        epoch5.Labels.Should().Equal(expected.Labels);
        source.PendingNextEpochRead!.Value.Epoch.Should().Be(6);
    }

    [Fact]
    public async Task When_the_file_is_cut_after_the_next_epochs_first_chunk_was_read_ahead_it_should_still_refuse_the_pass_as_truncated()
    {
        // Arrange
        string path = Write();
        long length = new FileInfo(path).Length;
        int record = (8 * sizeof(float)) + (4 * sizeof(short));
        using var source = MultiHeadDataFile.Open(path, Options);
        Contents(source.GetBatches(1));
        await source.PendingNextEpochRead!.Value.Read;
        using (var cut = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            // Keep 100 of the 250 rows: every pass meets a chunk that now ends early, whichever comes first.
            cut.SetLength(length - (150 * record));
        }

        // Act
        var act = () => source.GetBatches(2).ToList();

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is truncated*");
    }
}
