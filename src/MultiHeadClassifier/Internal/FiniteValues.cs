using System.Numerics;
using System.Runtime.InteropServices;

namespace MultiHeadClassifier.Internal;

/// <summary>Finds NaN and infinite values quickly (SIMD over the float bit patterns).</summary>
internal static class FiniteValues
{
    private const uint ExponentMask = 0x7F80_0000;

    /// <summary>The index of the first NaN or ±∞ in <paramref name="values"/>, or −1 if all are finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        int i = 0;
        if (Vector.IsHardwareAccelerated && bits.Length >= Vector<uint>.Count)
        {
            var mask = new Vector<uint>(ExponentMask);
            var vectors = MemoryMarshal.Cast<uint, Vector<uint>>(bits);
            for (int v = 0; v < vectors.Length; v++)
            {
                // A float is NaN or infinite exactly when all its exponent bits are set.
                if (Vector.EqualsAny(vectors[v] & mask, mask))
                {
                    break;
                }

                i += Vector<uint>.Count;
            }
        }

        for (; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentMask) == ExponentMask)
            {
                return i;
            }
        }

        return -1;
    }
}
