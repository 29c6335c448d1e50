using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// Holds the generator that a model's stochastic layers (dropout) draw from, so that training is reproducible
/// without touching libtorch's process-global RNG. Set by the trainer for the duration of a fit.
/// </summary>
internal sealed class RandomSource
{
    /// <summary>The generator; null means libtorch's global generator.</summary>
    public Generator? Generator { get; set; }
}
