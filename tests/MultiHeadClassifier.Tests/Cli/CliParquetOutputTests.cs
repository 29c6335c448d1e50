using System.Globalization;
using FluentAssertions;
using MultiHeadClassifier.Data;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// <c>mhc predict --out x.parquet</c>: the CSV output's columns, names and row order, as int32 labels and float
/// scores, one row group per chunk of 8,192 rows; read back with Parquet.Net, every value equals the CSV's.
/// </summary>
public sealed class CliParquetOutputTests : IClassFixture<TrainedCliWorkspace>
{
    private readonly TrainedCliWorkspace _trained;

    public CliParquetOutputTests(TrainedCliWorkspace trained) => _trained = trained;

    private CliWorkspace Workspace => _trained.Workspace;

    [Theory]
    [InlineData("labels")]
    [InlineData("probabilities")]
    [InlineData("logits")]
    public async Task When_the_output_ends_in_parquet_it_should_hold_the_csv_outputs_values_in_one_row_group_per_chunk(string kind)
    {
        // Arrange: 9,000 rows, two chunks (8,192 + 808).
        _trained.TrainResult.ExitCode.Should().Be(0, _trained.TrainResult.Stderr);
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 9000, Features = 8, Seed = 31 });
        string input = Workspace.WriteCsv($"parquet-in-{kind}.csv", data, Enumerable.Range(0, 9000), withLabels: false);
        string csvPath = Workspace.PathOf($"out-{kind}.csv");
        string parquetPath = Workspace.PathOf($"out-{kind}.parquet");

        // Act
        var csvRun = Workspace.Run("predict", "--model", _trained.ModelDir, "--data", input, "--out", csvPath, "--output", kind);
        var parquetRun = Workspace.Run("predict", "--model", _trained.ModelDir, "--data", input, "--out", parquetPath, "--output", kind);

        // Assert
        csvRun.ExitCode.Should().Be(0, csvRun.Stderr);
        parquetRun.ExitCode.Should().Be(0, parquetRun.Stderr);
        string[][] csv = [.. File.ReadLines(csvPath).Select(l => l.Split(','))];
        var (names, groupSizes, columns) = await ReadParquet(parquetPath);
        names.Should().Equal(csv[0]);
        groupSizes.Should().Equal(8192, 808);
        for (int j = 0; j < names.Length; j++)
        {
            var expected = csv.Skip(1).Select(row => row[j]).ToArray();
            if (kind == "labels")
            {
                columns[j].Should().AllBeOfType<int>();
                columns[j].Cast<int>().Should().Equal(expected.Select(c => int.Parse(c, CultureInfo.InvariantCulture)));
            }
            else
            {
                columns[j].Should().AllBeOfType<float>();
                columns[j].Cast<float>().Should().Equal(expected.Select(c => float.Parse(c, CultureInfo.InvariantCulture)));
            }
        }

        Directory.GetFiles(Workspace.Directory, "*.tmp").Should().BeEmpty();
    }

    /// <summary>The column names, the row count of each row group, and each column's values over all groups.</summary>
    private static async Task<(string[] Names, int[] GroupSizes, List<object>[] Columns)> ReadParquet(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        DataField[] fields = reader.Schema.GetDataFields();
        var columns = fields.Select(_ => new List<object>()).ToArray();
        var sizes = new List<int>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int rows = checked((int)group.RowCount);
            sizes.Add(rows);
            for (int j = 0; j < fields.Length; j++)
            {
                if (fields[j].ClrType == typeof(int))
                {
                    var values = new int[rows];
                    await group.ReadAsync<int>(fields[j], values);
                    columns[j].AddRange(values.Cast<object>());
                }
                else
                {
                    fields[j].ClrType.Should().Be(typeof(float), $"column '{fields[j].Name}' holds scores");
                    var values = new float[rows];
                    await group.ReadAsync<float>(fields[j], values);
                    columns[j].AddRange(values.Cast<object>());
                }
            }
        }

        return ([.. fields.Select(f => f.Name)], [.. sizes], columns);
    }
}
