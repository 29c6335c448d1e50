using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Heads;

/// <summary>
/// One output category of a multi-head model, for example "acting" rated on 5 ordered classes. Validated when
/// created; immutable and thread-safe.
/// </summary>
public sealed record HeadDefinition
{
    /// <summary>Creates a head definition.</summary>
    /// <param name="name">Unique, non-empty name: the key of this head's logits, weights and metrics.</param>
    /// <param name="classCount">Number of classes K, at least 2. Labels are 0..K−1, and −1 means missing.</param>
    /// <param name="classNames">Optional display names, one per class. Default: "0".."K−1".</param>
    /// <param name="weighting">How the class weights are chosen. Default: <see cref="ClassWeighting.None"/>.</param>
    /// <param name="lossWeight">The loss multiplier λ of this head in the total loss (as Keras <c>loss_weights</c>). Default 1.</param>
    /// <param name="loss">The head's loss, which fixes its raw outputs. Default <see cref="HeadLoss.CrossEntropy"/>.</param>
    /// <exception cref="ArgumentException">The name is empty, the class names have the wrong length, or explicit weights do not have K entries.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 2, <paramref name="lossWeight"/> is negative or not finite, or <paramref name="loss"/> is not a defined kind.</exception>
    public HeadDefinition(string name, int classCount, IReadOnlyList<string>? classNames = null, ClassWeighting? weighting = null, double lossWeight = 1.0, HeadLoss loss = HeadLoss.CrossEntropy)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A head name must not be empty.", nameof(name));
        }

        if (classCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"Head '{name}' must have at least 2 classes, but has {classCount}.");
        }

        Guard.NonNegativeFinite(lossWeight);
        if (!Enum.IsDefined(loss))
        {
            throw new ArgumentOutOfRangeException(nameof(loss), loss, $"Head '{name}': {(int)loss} is not a head loss.");
        }

        if (classNames is not null && classNames.Count != classCount)
        {
            throw new ArgumentException($"Head '{name}' has {classCount} classes but {classNames.Count} class names.", nameof(classNames));
        }

        weighting ??= ClassWeighting.None;
        if (!weighting.NeedsCounts)
        {
            // Validates the length of explicit weights now rather than at training time.
            _ = weighting.Compute(new long[classCount], name);
        }

        Name = name;
        ClassCount = classCount;
        ClassNames = classNames is null ? [.. Enumerable.Range(0, classCount).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))] : [.. classNames];
        Weighting = weighting;
        LossWeight = lossWeight;
        Loss = loss;
    }

    /// <summary>The unique head name.</summary>
    public string Name { get; }

    /// <summary>The number of classes K (at least 2).</summary>
    public int ClassCount { get; }

    /// <summary>Display names of the classes; "0".."K−1" unless given.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>How the class weights are chosen. Default <see cref="ClassWeighting.None"/>.</summary>
    public ClassWeighting Weighting { get; }

    /// <summary>The loss multiplier λ; the total loss is Σ λ_h · loss_h. Default 1.</summary>
    public double LossWeight { get; }

    /// <summary>The loss the head is trained with. Default <see cref="HeadLoss.CrossEntropy"/>.</summary>
    public HeadLoss Loss { get; }

    /// <summary>The number of raw outputs: K for <see cref="HeadLoss.CrossEntropy"/>, K−1 for the ordinal losses.</summary>
    public int OutputCount => Loss == HeadLoss.CrossEntropy ? ClassCount : ClassCount - 1;

    /// <summary>Checks that a set of heads has unique names and at least one member.</summary>
    /// <param name="heads">The heads.</param>
    /// <exception cref="ArgumentNullException"><paramref name="heads"/> or an element is null.</exception>
    /// <exception cref="ArgumentException">The list is empty or two heads share a name.</exception>
    public static void ValidateSet(IReadOnlyList<HeadDefinition> heads)
    {
        ArgumentNullException.ThrowIfNull(heads);
        if (heads.Count == 0)
        {
            throw new ArgumentException("At least one head is required.", nameof(heads));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int h = 0; h < heads.Count; h++)
        {
            if (heads[h] is null)
            {
                throw new ArgumentNullException(nameof(heads), $"Head {h} is null.");
            }

            if (!seen.Add(heads[h].Name))
            {
                throw new ArgumentException($"Head name '{heads[h].Name}' is used by more than one head (position {h}); head names must be unique.", nameof(heads));
            }
        }
    }
}
