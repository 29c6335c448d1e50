namespace MultiHeadClassifier.Training;

/// <summary>
/// Thrown when a training step produces a NaN or infinite loss or gradient. The failing step is not applied, so
/// the model keeps the last finite weights.
/// </summary>
public sealed class NonFiniteLossException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="batch">1-based batch within the epoch.</param>
    /// <param name="heads">The heads whose loss was not finite (empty when only the gradients were).</param>
    /// <param name="detail">What was not finite.</param>
    public NonFiniteLossException(int epoch, int batch, IReadOnlyList<string> heads, string detail)
        : base($"Training diverged at epoch {epoch}, batch {batch}: {detail}"
            + (heads.Count > 0 ? $" (head(s): {string.Join(", ", heads.Select(h => $"'{h}'"))})" : "")
            + ". The step was not applied; the model keeps the last finite weights. Try a lower learning rate, gradient clipping, or check the features for extreme values.")
    {
        Epoch = epoch;
        Batch = batch;
        Heads = heads;
    }

    /// <summary>1-based epoch of the failing step.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch of the failing step.</summary>
    public int Batch { get; }

    /// <summary>The heads whose loss was not finite.</summary>
    public IReadOnlyList<string> Heads { get; }
}
