using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Cli.Commands;
using MultiHeadClassifier.Heads;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// <c>mhc train</c> reads its training file twice (<see cref="TrainCsvScan"/>): a file that changes between the
/// checking pass and the converting pass must stop the run with a message naming the line, never train on rows the
/// first pass did not check.
/// </summary>
public sealed class TrainCsvScanTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private (TrainCsvScan Scan, string Path) CheckedCopy()
    {
        string path = _workspace.PathOf("changing.csv");
        File.Copy(_workspace.TrainCsv, path, overwrite: true);
        var settings = new TrainSettings(
            path, null, CliWorkspace.HeadNames, _workspace.PathOf("m"), null, 1, 32, 1e-3, [8], 0, ClassWeighting.None, 3, false, null, null, false);
        return (TrainCsvScan.Run(settings), path);
    }

    [Fact]
    public void When_the_file_is_unchanged_it_should_convert_every_checked_row()
    {
        // Arrange: the workspace's training file has 300 data rows (CliWorkspace).
        var (scan, _) = CheckedCopy();

        // Act
        using var dataFile = scan.WriteDataFile();

        // Assert
        dataFile.RowCount.Should().Be(300);
    }

    [Fact]
    public void When_a_cell_stops_parsing_between_the_passes_it_should_name_the_line()
    {
        // Arrange: line 5, column 0 is the feature 'f0'.
        var (scan, path) = CheckedCopy();
        File.Copy(_workspace.WithCell(path, "edited.csv", 5, 0, "abc"), path, overwrite: true);

        // Act
        var act = () => scan.WriteDataFile();

        // Assert
        act.Should().Throw<CliException>().WithMessage("changing.csv line 5: the file changed while it was being read; run the command again.");
    }

    [Fact]
    public void When_rows_are_appended_between_the_passes_it_should_refuse_the_file()
    {
        // Arrange: a copy of the last data row (line 301) appended as line 302.
        var (scan, path) = CheckedCopy();
        File.AppendAllText(path, File.ReadAllLines(path)[^1] + "\n");

        // Act
        var act = () => scan.WriteDataFile();

        // Assert
        act.Should().Throw<CliException>().WithMessage("changing.csv line 302: the file changed while it was being read; run the command again.");
    }

    [Fact]
    public void When_the_columns_are_reordered_between_the_passes_it_should_refuse_the_file()
    {
        // Arrange: swap the first two columns on every line, so each row still parses but means something else.
        var (scan, path) = CheckedCopy();
        var swapped = File.ReadAllLines(path).Select(line =>
        {
            var cells = line.Split(',');
            (cells[0], cells[1]) = (cells[1], cells[0]);
            return string.Join(',', cells);
        });
        File.WriteAllLines(path, swapped);

        // Act
        var act = () => scan.WriteDataFile();

        // Assert
        act.Should().Throw<CliException>().WithMessage("changing.csv line 1: the file changed while it was being read; run the command again.");
    }
}
