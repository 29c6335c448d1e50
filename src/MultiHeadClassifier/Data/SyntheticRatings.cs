namespace MultiHeadClassifier.Data;

/// <summary>
/// Generates seeded synthetic multi-category rating data with known structure, like scikit-learn's
/// <c>make_classification</c> for this library's problem: features are standard normal; head h has a latent score
/// s_h = (mean of its own block of features)·√block + noise; classes are assigned by the ranks of s_h so that
/// the class frequencies follow <see cref="SyntheticRatingsOptions.ClassPriors"/> exactly (higher score, higher
/// class); then labels go missing at random. Thread-safe.
/// </summary>
public static class SyntheticRatings
{
    /// <summary>Generates a dataset.</summary>
    /// <param name="options">Settings; default <see cref="SyntheticRatingsOptions"/>'s defaults.</param>
    /// <returns>Features (rows × features) and labels (rows × heads, −1 = missing).</returns>
    /// <exception cref="ArgumentException">Invalid settings.</exception>
    public static MultiHeadDataset Generate(SyntheticRatingsOptions? options = null)
    {
        options ??= new SyntheticRatingsOptions();
        ThrowIfInvalid(options);
        int heads = options.Heads.Count;
        int block = options.Features / heads;

        // The order of the random draws is part of the output: first every feature, row by row; then per head one
        // noise draw per row followed by one missing-label draw per row.
        var random = new Random(options.Seed);
        float[,] features = StandardNormalFeatures(random, options.Rows, options.Features);
        double[] cumulative = CumulativeShares(options.ClassPriors);
        var labels = new int[options.Rows, heads];
        for (int h = 0; h < heads; h++)
        {
            double[] scores = LatentScores(features, h * block, block, options.Noise, random);
            AssignClassesByRank(scores, cumulative, labels, h);
            HideLabelsAtRandom(labels, h, options.MissingRate, random);
        }

        return new MultiHeadDataset(features, labels, options.Heads);
    }

    /// <summary>Throws unless every setting is in range (one message for all of them).</summary>
    private static void ThrowIfInvalid(SyntheticRatingsOptions options)
    {
        int heads = options.Heads.Count;
        if (options.Rows < 1 || heads < 1 || options.Features < heads || options.ClassPriors.Count < 2
            || options.ClassPriors.Any(p => !(p > 0) || !double.IsFinite(p)) || !(options.MissingRate >= 0 && options.MissingRate < 1)
            || !(options.Noise >= 0) || !double.IsFinite(options.Noise))
        {
            throw new ArgumentException("Synthetic ratings need Rows ≥ 1, Features ≥ heads ≥ 1, at least 2 positive class priors, MissingRate in [0, 1) and a finite Noise ≥ 0.", nameof(options));
        }
    }

    /// <summary>A rows × columns matrix of standard normal draws, filled row by row.</summary>
    private static float[,] StandardNormalFeatures(Random random, int rows, int columns)
    {
        var features = new float[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < columns; j++)
            {
                features[r, j] = (float)Gaussian(random);
            }
        }

        return features;
    }

    /// <summary>The running sums of the priors normalised to sum 1: the upper edge of each class's share.</summary>
    private static double[] CumulativeShares(IReadOnlyList<double> priors)
    {
        double priorSum = priors.Sum();
        var cumulative = new double[priors.Count];
        double running = 0;
        for (int c = 0; c < cumulative.Length; c++)
        {
            running += priors[c] / priorSum;
            cumulative[c] = running;
        }

        return cumulative;
    }

    /// <summary>
    /// Per row, (sum of the features first..first+block−1)/√block + noise · N(0, 1): one noise draw per row, in
    /// row order, even when the noise is 0.
    /// </summary>
    private static double[] LatentScores(float[,] features, int first, int block, double noise, Random random)
    {
        int rows = features.GetLength(0);
        var scores = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int j = first; j < first + block; j++)
            {
                sum += features[r, j];
            }

            scores[r] = sum / Math.Sqrt(block) + noise * Gaussian(random);
        }

        return scores;
    }

    /// <summary>
    /// Gives head <paramref name="head"/> its classes by score rank: the lowest-scoring share cumulative[0] of the
    /// rows gets class 0, the next share class 1, and so on (ties keep row order).
    /// </summary>
    private static void AssignClassesByRank(double[] scores, double[] cumulative, int[,] labels, int head)
    {
        int rows = scores.Length;
        int[] order = [.. Enumerable.Range(0, rows).OrderBy(r => scores[r])];
        int cls = 0;
        for (int rank = 0; rank < rows; rank++)
        {
            while (cls < cumulative.Length - 1 && rank >= cumulative[cls] * rows)
            {
                cls++;
            }

            labels[order[rank], head] = cls;
        }
    }

    /// <summary>
    /// Marks each of head <paramref name="head"/>'s labels missing with probability
    /// <paramref name="missingRate"/>: one draw per row, in row order, even when the rate is 0.
    /// </summary>
    private static void HideLabelsAtRandom(int[,] labels, int head, double missingRate, Random random)
    {
        for (int r = 0; r < labels.GetLength(0); r++)
        {
            if (random.NextDouble() < missingRate)
            {
                labels[r, head] = MultiHeadDataset.MissingLabel;
            }
        }
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller transform.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
