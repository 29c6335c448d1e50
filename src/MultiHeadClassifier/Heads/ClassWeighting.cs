using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Heads;

/// <summary>
/// How a head's per-class loss weights are chosen: fixed explicitly, or computed from the training labels'
/// class counts. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Notation: <c>n</c> is the number of labelled training rows of the head, <c>K</c> its class count and
/// <c>count_c</c> the rows labelled with class <c>c</c>. Each strategy documents its normalisation. A constant
/// factor never changes the weighted-mean loss or the prior correction (it cancels), but it is visible in
/// <c>MultiHeadModel.ClassWeights</c>.
/// </remarks>
public abstract record ClassWeighting
{
    private protected ClassWeighting()
    {
    }

    /// <summary>All weights are 1 (plain, unweighted cross-entropy).</summary>
    public static ClassWeighting None { get; } = new NoWeighting();

    /// <summary>
    /// scikit-learn's <c>class_weight='balanced'</c>: <c>w_c = n / (K · count_c)</c>. No further normalisation,
    /// so <c>Σ_c count_c · w_c = n</c> (the weighted row mass equals the row count).
    /// </summary>
    /// <param name="smoothing">Added to every class count before weighting (default 0). A positive value lets a class with no training rows get a finite weight.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="smoothing"/> is negative or not finite.</exception>
    public static ClassWeighting Balanced(double smoothing = 0) => new BalancedWeighting(CheckSmoothing(smoothing));

    /// <summary>
    /// Inverse square root of the class frequency: <c>w_c = sqrt(n / (K · count_c))</c>, the square root of the
    /// balanced weight. No further normalisation. Milder than <see cref="Balanced"/> for heavy skew.
    /// </summary>
    /// <param name="smoothing">Added to every class count before weighting (default 0).</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="smoothing"/> is negative or not finite.</exception>
    public static ClassWeighting InverseSqrt(double smoothing = 0) => new InverseSqrtWeighting(CheckSmoothing(smoothing));

    /// <summary>
    /// Effective number of samples (Cui et al., CVPR 2019): <c>w_c ∝ (1 − β) / (1 − β^count_c)</c>, normalised as
    /// in the paper so that <c>Σ_c w_c = K</c>.
    /// </summary>
    /// <param name="beta">β in [0, 1); default 0.999. β = 0 gives equal weights; β → 1 approaches inverse frequency.</param>
    /// <param name="smoothing">Added to every class count before weighting (default 0).</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is outside [0, 1), or <paramref name="smoothing"/> is negative.</exception>
    public static ClassWeighting EffectiveNumber(double beta = 0.999, double smoothing = 0)
    {
        if (!(beta >= 0 && beta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"beta must be in [0, 1), but was {beta}.");
        }

        return new EffectiveNumberWeighting(beta, CheckSmoothing(smoothing));
    }

    /// <summary>Fixed weights, one per class, used as given.</summary>
    /// <param name="weights">Positive finite weights, one per class.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentException">A weight is zero, negative, NaN or infinite.</exception>
    public static ClassWeighting Explicit(params float[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        for (int c = 0; c < weights.Length; c++)
        {
            if (!float.IsFinite(weights[c]) || weights[c] <= 0)
            {
                throw new ArgumentException($"Class weight {c} is {weights[c]}; class weights must be positive finite numbers.", nameof(weights));
            }
        }

        return new ExplicitWeighting([.. weights]);
    }

    /// <summary>Whether the weights depend on the training labels' class counts.</summary>
    public abstract bool NeedsCounts { get; }

    /// <summary>
    /// A short, stable name, the factory method's name in lower case with hyphens: <c>none</c>, <c>balanced</c>,
    /// <c>inverse-sqrt</c>, <c>effective-number</c> or <c>explicit</c>. Model files store it.
    /// </summary>
    public abstract string Name { get; }

    /// <summary>Computes the weights for one head.</summary>
    /// <param name="counts">Labelled rows per class (length K). Ignored by <see cref="None"/> and <see cref="Explicit"/> apart from its length.</param>
    /// <param name="headName">Used in error messages.</param>
    /// <returns>K positive finite weights.</returns>
    /// <exception cref="ArgumentException">A class has no rows and no smoothing is set, or explicit weights have the wrong length.</exception>
    public float[] Compute(IReadOnlyList<long> counts, string headName = "")
    {
        ArgumentNullException.ThrowIfNull(counts);
        return ComputeCore(counts, headName);
    }

    private protected abstract float[] ComputeCore(IReadOnlyList<long> counts, string headName);

    /// <summary>The strategy's parameters, for persistence.</summary>
    internal abstract ClassWeightingSpec ToSpec();

    /// <summary>
    /// Rebuilds a strategy from <see cref="ToSpec"/>'s output. Also reads the names model format version 2 wrote,
    /// <c>sqrt</c> and <c>effective</c>.
    /// </summary>
    internal static ClassWeighting FromSpec(ClassWeightingSpec spec) => spec.Name switch
    {
        "none" => None,
        "balanced" => Balanced(spec.Smoothing),
        "inverse-sqrt" or "sqrt" => InverseSqrt(spec.Smoothing),
        "effective-number" or "effective" => EffectiveNumber(spec.Beta, spec.Smoothing),
        "explicit" => Explicit(spec.Weights ?? throw new InvalidDataException("Explicit class weighting without weights.")),
        _ => throw new InvalidDataException($"Unknown class weighting '{spec.Name}'."),
    };

    private static double CheckSmoothing(double smoothing)
    {
        Guard.NonNegativeFinite(smoothing);
        return smoothing;
    }

    private protected static double[] SmoothedCounts(IReadOnlyList<long> counts, double smoothing, string headName, string strategy)
    {
        var result = new double[counts.Count];
        for (int c = 0; c < counts.Count; c++)
        {
            result[c] = counts[c] + smoothing;
            if (result[c] <= 0)
            {
                throw new ArgumentException(
                    $"Head '{headName}': class {c} has no labelled training rows, so the '{strategy}' class weight would be infinite. "
                    + "Pass explicit weights with ClassWeighting.Explicit(...), or a smoothing count, e.g. ClassWeighting.Balanced(smoothing: 1).");
            }
        }

        return result;
    }

    private sealed record NoWeighting : ClassWeighting
    {
        public override bool NeedsCounts => false;

        public override string Name => "none";

        internal override ClassWeightingSpec ToSpec() => new(Name, 0, 0, null);

        private protected override float[] ComputeCore(IReadOnlyList<long> counts, string headName) =>
            Enumerable.Repeat(1f, counts.Count).ToArray();
    }

    private sealed record BalancedWeighting(double Smoothing) : ClassWeighting
    {
        public override bool NeedsCounts => true;

        public override string Name => "balanced";

        internal override ClassWeightingSpec ToSpec() => new(Name, 0, Smoothing, null);

        private protected override float[] ComputeCore(IReadOnlyList<long> counts, string headName)
        {
            double[] n = SmoothedCounts(counts, Smoothing, headName, Name);
            double total = n.Sum();
            return n.Select(count => (float)(total / (n.Length * count))).ToArray();
        }
    }

    private sealed record InverseSqrtWeighting(double Smoothing) : ClassWeighting
    {
        public override bool NeedsCounts => true;

        public override string Name => "inverse-sqrt";

        internal override ClassWeightingSpec ToSpec() => new(Name, 0, Smoothing, null);

        private protected override float[] ComputeCore(IReadOnlyList<long> counts, string headName)
        {
            double[] n = SmoothedCounts(counts, Smoothing, headName, Name);
            double total = n.Sum();
            return n.Select(count => (float)Math.Sqrt(total / (n.Length * count))).ToArray();
        }
    }

    private sealed record EffectiveNumberWeighting(double Beta, double Smoothing) : ClassWeighting
    {
        public override bool NeedsCounts => true;

        public override string Name => "effective-number";

        internal override ClassWeightingSpec ToSpec() => new(Name, Beta, Smoothing, null);

        private protected override float[] ComputeCore(IReadOnlyList<long> counts, string headName)
        {
            double[] n = SmoothedCounts(counts, Smoothing, headName, Name);
            double[] raw = n.Select(count => (1 - Beta) / (1 - Math.Pow(Beta, count))).ToArray();
            double sum = raw.Sum();
            return raw.Select(w => (float)(w * n.Length / sum)).ToArray();
        }
    }

    private sealed record ExplicitWeighting(float[] Weights) : ClassWeighting
    {
        public override bool NeedsCounts => false;

        public override string Name => "explicit";

        internal override ClassWeightingSpec ToSpec() => new(Name, 0, 0, Weights);

        private protected override float[] ComputeCore(IReadOnlyList<long> counts, string headName)
        {
            if (Weights.Length != counts.Count)
            {
                throw new ArgumentException($"Head '{headName}' has {counts.Count} classes but {Weights.Length} explicit class weights were given.");
            }

            return [.. Weights];
        }

        public bool Equals(ExplicitWeighting? other) => other is not null && Weights.SequenceEqual(other.Weights);

        public override int GetHashCode() => Weights.Length;
    }
}

/// <summary>The persisted form of a <see cref="ClassWeighting"/>.</summary>
internal sealed record ClassWeightingSpec(string Name, double Beta, double Smoothing, float[]? Weights);
