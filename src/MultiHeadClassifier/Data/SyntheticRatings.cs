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
        int heads = options.Heads.Count;
        if (options.Rows < 1 || heads < 1 || options.Features < heads || options.ClassPriors.Count < 2
            || options.ClassPriors.Any(p => !(p > 0) || !double.IsFinite(p)) || !(options.MissingRate >= 0 && options.MissingRate < 1)
            || !(options.Noise >= 0) || !double.IsFinite(options.Noise))
        {
            throw new ArgumentException("Synthetic ratings need Rows ≥ 1, Features ≥ heads ≥ 1, at least 2 positive class priors, MissingRate in [0, 1) and a finite Noise ≥ 0.", nameof(options));
        }

        var random = new Random(options.Seed);
        int rows = options.Rows;
        var features = new float[rows, options.Features];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < options.Features; j++)
            {
                features[r, j] = (float)Gaussian(random);
            }
        }

        double priorSum = options.ClassPriors.Sum();
        var cumulative = new double[options.ClassPriors.Count];
        double running = 0;
        for (int c = 0; c < cumulative.Length; c++)
        {
            running += options.ClassPriors[c] / priorSum;
            cumulative[c] = running;
        }

        var labels = new int[rows, heads];
        int block = options.Features / heads;
        for (int h = 0; h < heads; h++)
        {
            var scores = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                double sum = 0;
                for (int j = h * block; j < (h + 1) * block; j++)
                {
                    sum += features[r, j];
                }

                scores[r] = sum / Math.Sqrt(block) + options.Noise * Gaussian(random);
            }

            int[] order = [.. Enumerable.Range(0, rows).OrderBy(r => scores[r])];
            int cls = 0;
            for (int rank = 0; rank < rows; rank++)
            {
                while (cls < cumulative.Length - 1 && rank >= cumulative[cls] * rows)
                {
                    cls++;
                }

                labels[order[rank], h] = cls;
            }

            for (int r = 0; r < rows; r++)
            {
                if (random.NextDouble() < options.MissingRate)
                {
                    labels[r, h] = MultiHeadDataset.MissingLabel;
                }
            }
        }

        return new MultiHeadDataset(features, labels);
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller transform.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
