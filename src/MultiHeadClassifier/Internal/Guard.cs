using System.Runtime.CompilerServices;

namespace MultiHeadClassifier.Internal;

/// <summary>Argument checks shared across the library.</summary>
internal static class Guard
{
    /// <summary>Throws when <paramref name="value"/> is NaN, infinite, or negative.</summary>
    public static void NonNegativeFinite(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a non-negative finite number, but was {value}.");
        }
    }
}
