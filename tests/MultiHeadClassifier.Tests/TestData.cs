using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Tests;

/// <summary>Small seeded data sets shared by tests.</summary>
internal static class TestData
{
    public static readonly string[] HeadNames = ["plot", "dialog", "acting", "makeup"];

    public static MultiHeadDataset Ratings(int rows, int seed, double noise = 0.3, double missing = 0.03) =>
        SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = rows, Seed = seed, Noise = noise, MissingRate = missing, Features = 8 });

    public static HeadDefinition[] Heads(ClassWeighting? weighting = null) =>
        [.. HeadNames.Select(n => new HeadDefinition(n, 5, weighting: weighting ?? ClassWeighting.None))];

    /// <summary>Features as a jagged array (for Predict).</summary>
    public static float[][] Rows(MultiHeadDataset data) => [.. data.Features.ToArray().Chunk(data.FeatureCount)];

    public static int Argmax(float[,] logits, int row)
    {
        int best = 0;
        for (int c = 1; c < logits.GetLength(1); c++)
        {
            if (logits[row, c] > logits[row, best])
            {
                best = c;
            }
        }

        return best;
    }

    public static float[] Flatten(IEnumerable<TorchSharp.torch.Tensor> tensors) =>
        [.. tensors.SelectMany(t => t.detach().cpu().data<float>().ToArray())];
}
