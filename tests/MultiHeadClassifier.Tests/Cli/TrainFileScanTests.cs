using FluentAssertions;
using MultiHeadClassifier.Cli.Commands;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// <c>mhc train</c> reads its training file once (<see cref="TrainFileScan"/>): the checking pass caches the parsed
/// rows and the data file is written from that cache, so the rows trained on are exactly those checked, whatever
/// happens to the file afterwards.
/// </summary>
public sealed class TrainFileScanTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private (TrainFileScan Scan, string Path) CheckedCopy(bool impute = false, string? source = null)
    {
        string path = _workspace.PathOf("changing.csv");
        File.Copy(source ?? _workspace.TrainCsv, path, overwrite: true);
        var settings = new TrainSettings(
            path, null, CliWorkspace.HeadNames, _workspace.PathOf("m"), null, 1, 32, 1e-3, [8], 0, ClassWeighting.None, 3, impute, null, null, false);
        return (TrainFileScan.Run(settings), path);
    }

    private static (float[] Features, int[] Labels) ReadAll(TrainDataFile file)
    {
        using var source = MultiHeadDataFile.Open(file.Path, new MultiHeadDataFileOptions { BatchSize = 1000, Shuffle = false });
        var batch = source.GetBatches(0).Single();
        return (batch.Features.ToArray(), batch.Labels.ToArray());
    }

    [Fact]
    public void When_the_file_is_unchanged_it_should_convert_every_checked_row_with_the_values_of_the_file()
    {
        // Arrange: the workspace's training file holds rows 0..299 of its dataset (CliWorkspace), written with "R".
        var (scan, _) = CheckedCopy();
        using var _ = scan;

        // Act
        using var dataFile = scan.WriteDataFile();

        // Assert
        dataFile.RowCount.Should().Be(300);
        var (features, labels) = ReadAll(dataFile);
        var expected = _workspace.Data.Slice(0, 300);
        features.Should().Equal(expected.Features.ToArray());
        labels.Should().Equal(expected.Labels.ToArray());
    }

    [Fact]
    public void When_the_file_changes_after_the_check_it_should_still_write_the_rows_that_were_checked()
    {
        // Arrange: line 5, column 0 (the feature 'f0') becomes text, rows are appended, and the columns are swapped.
        var (scan, path) = CheckedCopy();
        using var _ = scan;
        File.Copy(_workspace.WithCell(path, "edited.csv", 5, 0, "abc"), path, overwrite: true);
        File.AppendAllText(path, File.ReadAllLines(path)[^1] + "\n");

        // Act
        using var dataFile = scan.WriteDataFile();

        // Assert
        dataFile.RowCount.Should().Be(300);
        ReadAll(dataFile).Features.Should().Equal(_workspace.Data.Slice(0, 300).Features.ToArray());
    }

    [Fact]
    public void When_features_are_missing_and_imputed_it_should_write_the_mean_of_the_column_numbers()
    {
        // Arrange: f0 is 1, missing, 4 and 10 (mean 5); f1 is missing, 2, NA and 8 (mean 5).
        string source = _workspace.PathOf("gaps.csv");
        File.WriteAllText(source, "f0,f1,plot,dialog,acting,makeup\n1,,0,1,0,1\nNaN,2,1,0,1,0\n4,NA,0,1,,1\n10,8,1,0,1,0\n");
        var (scan, _) = CheckedCopy(impute: true, source: source);
        using var _ = scan;

        // Act
        using var dataFile = scan.WriteDataFile();

        // Assert
        var (features, labels) = ReadAll(dataFile);
        features.Should().Equal(1, 5, 5, 2, 4, 5, 10, 8);
        labels[(2 * 4) + 2].Should().Be(MultiHeadDataset.MissingLabel);
    }
}
