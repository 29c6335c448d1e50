using System.Text;
using FluentAssertions;
using MultiHeadClassifier.Tests.Cli.Reference;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// The CSV reader streams the file and counts lines as it reads, so a <c>\r\n</c> split across two reads must still
/// be one line break and a lone <c>\r</c> at the end of a read must still be one.
/// </summary>
public sealed class CsvLineNumberTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-csv-lines-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_line_breaks_of_every_kind_fall_on_every_read_boundary_it_should_give_each_row_its_line()
    {
        // Arrange: every line is 15 characters with its break, and the breaks cycle \r\n, \n, \r, so over 3 × 4096
        // lines each kind of break starts at every offset modulo any power-of-two buffer size up to 4096.
        string[] breaks = ["\r\n", "\n", "\r"];
        var text = new StringBuilder("a,b\n");
        int rows = 3 * 4096;
        for (int k = 0; k < rows; k++)
        {
            string lineBreak = breaks[k % 3];
            string content = $"{k},";
            text.Append(content).Append('x', 15 - lineBreak.Length - content.Length).Append(lineBreak);
        }

        string path = Path.Combine(_folder, "lines.csv");
        File.WriteAllText(path, text.ToString());

        // Act
        var table = CsvTableReader.Read(path);

        // Assert
        table.Rows.Should().HaveCount(rows);
        table.LineNumbers.Should().Equal(Enumerable.Range(2, rows));
        table.Rows.Select(r => r[0]).Should().Equal(Enumerable.Range(0, rows).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void When_a_row_has_too_many_cells_after_blank_lines_it_should_name_its_line()
    {
        // Arrange
        string path = Path.Combine(_folder, "blank.csv");
        File.WriteAllText(path, "a,b\r\n1,2\r\n\r\n\r\n3,4,5\r\n");

        // Act
        var act = () => CsvTableReader.Read(path);

        // Assert
        act.Should().Throw<MultiHeadClassifier.Cli.CliException>().WithMessage("blank.csv line 5: has 3 cells*");
    }
}
