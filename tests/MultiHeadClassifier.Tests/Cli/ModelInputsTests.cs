using FluentAssertions;
using MultiHeadClassifier.Cli;
using MultiHeadClassifier.Cli.Commands;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// <see cref="ModelInputs.ReadChunks(ModelDirectory, string, int, bool)"/> streams a file in chunks of a fixed number
/// of rows, in file order, with labels when asked: the chunks put together are the rows the file was written from.
/// </summary>
public sealed class ModelInputsTests : IClassFixture<TrainedCliWorkspace>
{
    private readonly TrainedCliWorkspace _trained;

    public ModelInputsTests(TrainedCliWorkspace trained) => _trained = trained;

    [Fact]
    public void When_reading_chunks_with_labels_it_should_give_every_row_in_order_in_chunks_of_the_asked_size()
    {
        // Arrange: test.csv holds rows 300..399 of the workspace's dataset (CliWorkspace), with labels.
        using var model = ModelDirectory.Load(_trained.ModelDir);
        var expected = _trained.Workspace.Data.Slice(300, 100);

        // Act
        var chunks = ModelInputs.ReadChunks(model, _trained.Workspace.TestCsv, 32, withLabels: true).ToList();

        // Assert
        chunks.Select(c => c.RowCount).Should().Equal(32, 32, 32, 4);
        chunks.SelectMany(c => c.Features.ToArray()).Should().Equal(expected.Features.ToArray());
        chunks.SelectMany(c => c.Labels.ToArray()).Should().Equal(expected.Labels.ToArray());
        chunks.Should().OnlyContain(c => c.HeadNames!.SequenceEqual(CliWorkspace.HeadNames));
    }

    [Fact]
    public void When_reading_chunks_with_labels_from_a_file_without_a_head_column_it_should_name_the_head()
    {
        // Arrange: the test rows without their labels.
        using var model = ModelDirectory.Load(_trained.ModelDir);
        string path = _trained.Workspace.WriteCsv("unlabelled.csv", _trained.Workspace.Data, Enumerable.Range(300, 10), withLabels: false);

        // Act
        var act = () => ModelInputs.ReadChunks(model, path, 32, withLabels: true).ToList();

        // Assert
        act.Should().Throw<CliException>().WithMessage("unlabelled.csv: head 'plot' has no column in the header*");
    }
}
