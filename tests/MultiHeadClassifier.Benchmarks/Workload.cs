namespace MultiHeadClassifier.Benchmarks;

/// <summary>One benchmark shape: data size, MLP widths, heads and batch size.</summary>
internal sealed record Workload(string Name, int Rows, int Features, int[] Hidden, int Heads, int Classes, int BatchSize)
{
    /// <summary>Width of the concatenated head outputs (ΣK).</summary>
    public int TotalClasses => Heads * Classes;

    /// <summary>
    /// Multiply-adds of the linear layers per sample (the weight count of the network, biases aside):
    /// D·h1 + h1·h2 + … + h_last·ΣK.
    /// </summary>
    public long WeightsPerSample
    {
        get
        {
            long total = 0;
            int width = Features;
            foreach (int h in Hidden)
            {
                total += (long)width * h;
                width = h;
            }

            return total + (long)width * TotalClasses;
        }
    }

    /// <summary>Training FLOPs per sample: 2 for the forward multiply-add, 4 for the backward, per weight.</summary>
    public long TrainFlopsPerSample => 6 * WeightsPerSample;

    /// <summary>Inference FLOPs per sample (forward only).</summary>
    public long InferenceFlopsPerSample => 2 * WeightsPerSample;

    public string Describe() =>
        $"{Name}: {Rows:N0} x {Features}, MLP {Features}->{string.Join("->", Hidden)}, {Heads} heads x {Classes} classes, batch {BatchSize}";
}

/// <summary>Seeded synthetic data shared by the hand-written loop and the library.</summary>
internal sealed class WorkloadData
{
    /// <summary>Class probabilities, skewed toward the top class (index K−1), for K = 5.</summary>
    private static readonly double[] SkewedPriors = [0.05, 0.08, 0.12, 0.25, 0.50];

    private WorkloadData(float[,] features, int[,] labels)
    {
        Features = features;
        Labels = labels;
    }

    public float[,] Features { get; }

    /// <summary>Rows × heads; −1 marks a missing label (about 3%).</summary>
    public int[,] Labels { get; }

    public static WorkloadData Create(Workload w, int seed)
    {
        var random = new Random(seed);
        var x = new float[w.Rows, w.Features];
        for (int r = 0; r < w.Rows; r++)
        {
            for (int c = 0; c < w.Features; c += 2)
            {
                // Box–Muller: two standard normals from two uniforms.
                double u1 = 1.0 - random.NextDouble();
                double u2 = random.NextDouble();
                double radius = Math.Sqrt(-2.0 * Math.Log(u1));
                x[r, c] = (float)(radius * Math.Cos(2 * Math.PI * u2));
                if (c + 1 < w.Features)
                {
                    x[r, c + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
                }
            }
        }

        var priors = Priors(w.Classes);
        var y = new int[w.Rows, w.Heads];
        for (int r = 0; r < w.Rows; r++)
        {
            for (int h = 0; h < w.Heads; h++)
            {
                y[r, h] = random.NextDouble() < 0.03 ? -1 : Sample(priors, random.NextDouble());
            }
        }

        // Every class of every head appears at least once, so balanced class weights are defined.
        for (int h = 0; h < w.Heads; h++)
        {
            for (int c = 0; c < w.Classes && c < w.Rows; c++)
            {
                y[c, h] = c;
            }
        }

        return new WorkloadData(x, y);
    }

    /// <summary>Balanced class weights n / (K · n_c) per head, as <c>ClassWeighting.Balanced()</c> computes them.</summary>
    public float[][] BalancedWeights(int classes)
    {
        int rows = Labels.GetLength(0);
        int heads = Labels.GetLength(1);
        var result = new float[heads][];
        for (int h = 0; h < heads; h++)
        {
            var counts = new long[classes];
            for (int r = 0; r < rows; r++)
            {
                if (Labels[r, h] >= 0)
                {
                    counts[Labels[r, h]]++;
                }
            }

            long total = counts.Sum();
            result[h] = counts.Select(n => (float)(total / ((double)classes * n))).ToArray();
        }

        return result;
    }

    private static double[] Priors(int classes)
    {
        if (classes == SkewedPriors.Length)
        {
            return SkewedPriors;
        }

        // Geometric skew toward the top class for other class counts.
        var p = Enumerable.Range(0, classes).Select(c => Math.Pow(2, c)).ToArray();
        double sum = p.Sum();
        return p.Select(v => v / sum).ToArray();
    }

    private static int Sample(double[] priors, double u)
    {
        double cumulative = 0;
        for (int c = 0; c < priors.Length; c++)
        {
            cumulative += priors[c];
            if (u < cumulative)
            {
                return c;
            }
        }

        return priors.Length - 1;
    }
}
