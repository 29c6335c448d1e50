using FluentAssertions;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Export;

/// <summary>Element-wise comparison of an exported model's outputs with the library's.</summary>
internal static class ExportAssertions
{
    /// <summary>
    /// The tolerance of the export: |actual − expected| ≤ 1e-5, absolute, unless a row scale is given; then
    /// 1e-5 · max(1, scale). The scale is used for the logits of inputs of ±1e4 only: there the sums inside the
    /// network are of order 1e3–1e5, one float32 step of such a sum is already 1e-4 or more, and two correct
    /// float32 engines that add in different orders differ by a few such steps even in a logit that ends up small.
    /// </summary>
    public const double Tolerance = 1e-5;

    public static void ShouldMatch(float[,] actual, float[,] expected, string what, double[]? rowScales = null) =>
        ShouldMatch(actual, ToDouble(expected), what, rowScales);

    public static void ShouldMatch(float[,] actual, double[,] expected, string what, double[]? rowScales = null)
    {
        actual.GetLength(0).Should().Be(expected.GetLength(0), $"{what} rows");
        actual.GetLength(1).Should().Be(expected.GetLength(1), $"{what} columns");
        double worst = 0;
        (int Row, int Column) at = (0, 0);
        for (int r = 0; r < expected.GetLength(0); r++)
        {
            double scale = Math.Max(1, rowScales?[r] ?? 1);
            for (int c = 0; c < expected.GetLength(1); c++)
            {
                double excess = Math.Abs(actual[r, c] - expected[r, c]) / scale;
                excess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
                if (excess > worst)
                {
                    worst = excess;
                    at = (r, c);
                }
            }
        }

        worst.Should().BeLessThanOrEqualTo(Tolerance, $"{what}[{at.Row}, {at.Column}] is {actual[at.Row, at.Column]:R}, expected {expected[at.Row, at.Column]:R} (scale {Math.Max(1, rowScales?[at.Row] ?? 1):G4})");
    }

    /// <summary>
    /// Per row, the magnitude of the sum that makes the logits: max over the head layer's outputs c of
    /// Σ_j |W_cj| · |h_j| + |b_c|, with h the backbone's output. Two float32 engines that sum in different
    /// orders differ by a few float32 steps of this magnitude, however small the logit that results.
    /// </summary>
    public static double[] LogitScales(MultiHeadModel model, float[,] features)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var children = model.Network.named_children().ToDictionary(c => c.name, c => c.module);
        var backbone = (nn.Module<Tensor, Tensor>)children["backbone"];
        var heads = model.Network.HeadLayer;
        var x = model.Prepare(tensor(features.Cast<float>().ToArray(), [features.GetLength(0), features.GetLength(1)]));
        var h = backbone.forward(x).abs();
        var rows = h.matmul(heads.Weight.abs().t());
        var terms = (heads.RowOfOutput is { } map ? rows.index_select(1, tensor(map)) : rows) + heads.Bias.abs();
        return terms.max(1).values.to(float64).data<double>().ToArray();
    }

    public static double[,] ToDouble(float[,] values)
    {
        var result = new double[values.GetLength(0), values.GetLength(1)];
        for (int r = 0; r < values.GetLength(0); r++)
        {
            for (int c = 0; c < values.GetLength(1); c++)
            {
                result[r, c] = values[r, c];
            }
        }

        return result;
    }

    /// <summary>Rows of standard normal values times <paramref name="scale"/>, seeded.</summary>
    public static float[,] RandomFeatures(int rows, int width, int seed, double scale = 1)
    {
        var random = new Random(seed);
        var result = new float[rows, width];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < width; c++)
            {
                double u = 1 - random.NextDouble();
                result[r, c] = (float)(scale * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
            }
        }

        return result;
    }
}
