namespace MultiHeadClassifier.Modeling;

/// <summary>How a <see cref="MultiHeadModel"/> is built. Immutable.</summary>
public sealed record MultiHeadModelOptions
{
    /// <summary>The built-in MLP backbone's configuration; ignored when a custom backbone is given.</summary>
    /// <value>Default: hidden sizes [128, 64], ReLU, no dropout, no layer norm.</value>
    public MlpBackboneOptions Backbone { get; init; } = new();

    /// <summary>Whether features are standardised with means and deviations fitted on the first training data.</summary>
    /// <value>Default true. The statistics are stored with the model and applied at prediction.</value>
    public bool StandardizeFeatures { get; init; } = true;

    /// <summary>Seed for the initial weights of the built-in backbone and the heads.</summary>
    /// <value>Default null: drawn from libtorch's global generator. Set it for reproducible models.</value>
    public long? Seed { get; init; }

    /// <summary>The device every tensor of the model lives on, e.g. "cpu" or "cuda:0".</summary>
    /// <value>Default "cpu". CUDA needs the application to reference a CUDA libtorch backend.</value>
    public string Device { get; init; } = "cpu";
}
