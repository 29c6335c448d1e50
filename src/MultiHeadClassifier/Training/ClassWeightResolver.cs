using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Training;

/// <summary>Resolves each head's <see cref="ClassWeighting"/> into weights from the training labels' class counts.</summary>
internal static class ClassWeightResolver
{
    /// <summary>The weights of every head, keyed by head name.</summary>
    /// <param name="heads">The heads, in label-column order.</param>
    /// <param name="counts">Labelled training rows per head and class.</param>
    /// <returns>K weights per head.</returns>
    /// <exception cref="ArgumentException">A head has no labelled rows, or its weighting cannot be computed.</exception>
    public static Dictionary<string, float[]> Resolve(IReadOnlyList<HeadDefinition> heads, long[][] counts)
    {
        RequireLabelledRows(heads, counts);
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int h = 0; h < heads.Count; h++)
        {
            result[heads[h].Name] = heads[h].Weighting.Compute(counts[h], heads[h].Name);
        }

        return result;
    }

    /// <summary>Each head's class prior count_c / n over its labelled rows, keyed by head name.</summary>
    public static Dictionary<string, double[]> Priors(IReadOnlyList<HeadDefinition> heads, long[][] counts)
    {
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (int h = 0; h < heads.Count; h++)
        {
            double n = counts[h].Sum();
            result[heads[h].Name] = [.. counts[h].Select(c => c / n)];
        }

        return result;
    }

    /// <summary>Checks that every head has at least one labelled training row.</summary>
    /// <exception cref="ArgumentException">A head has none; the message names it and its column.</exception>
    public static void RequireLabelledRows(IReadOnlyList<HeadDefinition> heads, long[][] counts)
    {
        for (int h = 0; h < heads.Count; h++)
        {
            if (counts[h].Sum() == 0)
            {
                throw new ArgumentException($"Head '{heads[h].Name}' has no labelled rows in the training data (every label in column {h} is -1), so it cannot be trained.");
            }
        }
    }
}
