using TorchSharp;

namespace MultiHeadClassifier.Internal;

/// <summary>
/// Scalars the training step uses on every batch, created once and kept alive for the process. An implicit
/// conversion (<c>t.clamp_min(0)</c>, <c>t &gt; 0</c>) makes a temporary <see cref="Scalar"/> whose finalizer may free
/// its native handle while libtorch still reads it, once nothing managed refers to it any more; under allocation
/// pressure that surfaced as "Expected false to be true … toDouble" in a long ensemble run. Static fields keep
/// these referenced, so they are never finalized.
/// </summary>
internal static class Scalars
{
    /// <summary>0.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>
    /// 1 (int), the alpha to pass explicitly: TorchSharp's <c>add(Tensor)</c>, <c>add_(Tensor)</c>, <c>add_(Scalar)</c> and the
    /// tensor <c>+</c> operator make a temporary one themselves, so write <c>a.add(b, Scalars.One)</c> for <c>a + b</c>.
    /// </summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>−1, the missing-label marker.</summary>
    public static readonly Scalar MinusOne = (-1).ToScalar();

    /// <summary>−∞ (double).</summary>
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
}
