using System.Globalization;
using CsvHelper;
using MultiHeadClassifier.Data;

namespace MultiHeadClassifier.Benchmarks.Quality;

/// <summary>
/// The train/valid/test CSV files of a quality data set in the CLI's format (header row; head columns hold class
/// indices, an empty cell is a missing label; every other column is a numeric feature). Missing feature cells are
/// imputed with the training means, as <c>mhc train --missing-features mean</c> does.
/// </summary>
internal sealed record QualityData(MultiHeadDataset Train, MultiHeadDataset Valid, MultiHeadDataset Test, string[] Heads, int[] ClassCounts)
{
    public static QualityData Load(DirectoryInfo folder, string[] heads)
    {
        var train = Read(Path.Combine(folder.FullName, "train.csv"), heads);
        var valid = Read(Path.Combine(folder.FullName, "valid.csv"), heads);
        var test = Read(Path.Combine(folder.FullName, "test.csv"), heads);
        double[] means = ColumnMeans(train.Features);
        int[] classCounts = [.. Enumerable.Range(0, heads.Length).Select(h => train.Labels.Max(row => row[h]) + 1)];
        return new QualityData(Build(train, means, heads), Build(valid, means, heads), Build(test, means, heads), heads, classCounts);
    }

    private static (List<double[]> Features, List<int[]> Labels) Read(string path, string[] heads)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        string[] header = csv.HeaderRecord!;
        int[] headColumns = [.. heads.Select(h => Array.IndexOf(header, h))];
        if (headColumns.Any(c => c < 0))
        {
            throw new InvalidDataException($"{path}: the header lacks a head column of {string.Join(", ", heads)}.");
        }

        int[] featureColumns = [.. Enumerable.Range(0, header.Length).Except(headColumns)];
        var features = new List<double[]>();
        var labels = new List<int[]>();
        while (csv.Read())
        {
            features.Add([.. featureColumns.Select(c => Cell(csv.GetField(c)))]);
            labels.Add([.. headColumns.Select(c => csv.GetField(c) is { Length: > 0 } y ? int.Parse(y, CultureInfo.InvariantCulture) : -1)]);
        }

        return (features, labels);
    }

    private static double Cell(string? text) =>
        string.IsNullOrWhiteSpace(text) ? double.NaN : double.Parse(text, CultureInfo.InvariantCulture);

    private static double[] ColumnMeans(List<double[]> rows) =>
        [.. Enumerable.Range(0, rows[0].Length).Select(j => rows.Select(r => r[j]).Where(double.IsFinite).DefaultIfEmpty(0).Average())];

    private static MultiHeadDataset Build((List<double[]> Features, List<int[]> Labels) part, double[] means, string[] heads)
    {
        int rows = part.Features.Count;
        var x = new float[rows, means.Length];
        var y = new int[rows, heads.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < means.Length; j++)
            {
                x[r, j] = (float)(double.IsFinite(part.Features[r][j]) ? part.Features[r][j] : means[j]);
            }

            for (int h = 0; h < heads.Length; h++)
            {
                y[r, h] = part.Labels[r][h];
            }
        }

        return new MultiHeadDataset(x, y, heads);
    }
}
