namespace MultiHeadClassifier.Data;

/// <summary>Settings of <see cref="SyntheticRatings.Generate"/>. Immutable.</summary>
public sealed record SyntheticRatingsOptions
{
    /// <summary>Number of rows.</summary>
    /// <value>Default 6200.</value>
    public int Rows { get; init; } = 6200;

    /// <summary>Number of feature columns; each head reads its own features.</summary>
    /// <value>Default 16. At least the number of heads.</value>
    public int Features { get; init; } = 16;

    /// <summary>Head names.</summary>
    /// <value>Default ["plot", "dialog", "acting", "makeup"].</value>
    public IReadOnlyList<string> Heads { get; init; } = ["plot", "dialog", "acting", "makeup"];

    /// <summary>Relative class frequencies, lowest class first; normalised to sum 1.</summary>
    /// <value>Default [1, 2, 4, 8, 16]: 5 classes skewed 16× toward the top class (e.g. 100/200/400/800/1600).</value>
    public IReadOnlyList<double> ClassPriors { get; init; } = [1, 2, 4, 8, 16];

    /// <summary>Fraction of labels set to missing (−1), independently per row and head.</summary>
    /// <value>Default 0.03.</value>
    public double MissingRate { get; init; } = 0.03;

    /// <summary>Standard deviation of the noise added to each head's latent score (the signal has variance about 1).</summary>
    /// <value>Default 0.5. Larger values make the classes overlap more.</value>
    public double Noise { get; init; } = 0.5;

    /// <summary>Seed of the generator.</summary>
    /// <value>Default 1.</value>
    public int Seed { get; init; } = 1;
}
