using System.Globalization;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>Parses the option values of the contract; every failure is a <see cref="CliException"/>.</summary>
public static class OptionParsers
{
    /// <summary>Parses <c>--heads h1,h2</c>.</summary>
    /// <param name="value">The option value.</param>
    /// <returns>The head names.</returns>
    public static string[] Heads(string value)
    {
        string[] heads = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (heads.Length == 0)
        {
            throw new CliException("--heads: give at least one head column name, e.g. --heads plot,acting.");
        }

        string? duplicate = heads.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        return duplicate is null ? heads : throw new CliException($"--heads: head '{duplicate}' is listed more than once.");
    }

    /// <summary>Parses <c>--classes K</c> or <c>--classes h1=K1,h2=K2</c>.</summary>
    /// <param name="value">The option value, or null.</param>
    /// <param name="heads">The head names.</param>
    /// <returns>The class count per head; null entries are inferred from the data.</returns>
    public static int?[] Classes(string? value, IReadOnlyList<string> heads)
    {
        var result = new int?[heads.Count];
        if (string.IsNullOrWhiteSpace(value))
        {
            return result;
        }

        if (!value.Contains('=', StringComparison.Ordinal))
        {
            int k = ClassCount(value, "--classes");
            Array.Fill(result, k);
            return result;
        }

        foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            int h = heads.ToList().IndexOf(pair[0]);
            if (h < 0)
            {
                throw new CliException($"--classes: head '{pair[0]}' is not one of --heads ({string.Join(", ", heads)}).");
            }

            result[h] = ClassCount(pair[1], $"--classes {pair[0]}");
        }

        return result;
    }

    /// <summary>Parses <c>--hidden 128,64</c>.</summary>
    /// <param name="value">The option value.</param>
    /// <returns>The hidden layer widths.</returns>
    public static int[] Hidden(string value)
    {
        var sizes = new List<int>();
        foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int size) || size < 1)
            {
                throw new CliException($"--hidden: '{part}' is not a positive integer layer width.");
            }

            sizes.Add(size);
        }

        return [.. sizes];
    }

    /// <summary>
    /// Parses <c>--class-weights none|balanced|inverse-sqrt|effective-number[:beta]</c>, the names of
    /// <see cref="ClassWeighting.Name"/>; the earlier names <c>sqrt</c> and <c>effective</c> are still read.
    /// </summary>
    /// <param name="value">The option value.</param>
    /// <returns>The weighting.</returns>
    public static ClassWeighting Weighting(string value)
    {
        string[] parts = value.Trim().Split(':', 2);
        switch (parts[0].ToUpperInvariant())
        {
            case "NONE" when parts.Length == 1:
                return ClassWeighting.None;
            case "BALANCED" when parts.Length == 1:
                return ClassWeighting.Balanced();
            case "INVERSE-SQRT" or "SQRT" when parts.Length == 1:
                return ClassWeighting.InverseSqrt();
            case "EFFECTIVE-NUMBER" or "EFFECTIVE" when parts.Length == 1:
                return ClassWeighting.EffectiveNumber();
            case "EFFECTIVE-NUMBER" or "EFFECTIVE":
                if (double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double beta) && beta >= 0 && beta < 1)
                {
                    return ClassWeighting.EffectiveNumber(beta);
                }

                throw new CliException($"--class-weights: beta '{parts[1]}' must be a number in [0, 1).");
            default:
                throw new CliException($"--class-weights: '{value}' is not one of none, balanced, inverse-sqrt, effective-number[:beta].");
        }
    }

    /// <summary>Parses <c>--correction none|prior|temperature|prior+temperature</c>.</summary>
    /// <param name="value">The option value.</param>
    /// <returns>The correction.</returns>
    public static LogitCorrection Correction(string value) => value.Trim().ToUpperInvariant() switch
    {
        "NONE" => LogitCorrection.None,
        "PRIOR" => LogitCorrection.Prior,
        "TEMPERATURE" => LogitCorrection.Temperature,
        "PRIOR+TEMPERATURE" => LogitCorrection.PriorAndTemperature,
        _ => throw new CliException($"--correction: '{value}' is not one of none, prior, temperature, prior+temperature."),
    };

    /// <summary>The option value of a correction, as <see cref="Correction"/> reads it.</summary>
    /// <param name="correction">The correction.</param>
    /// <returns><c>none</c>, <c>prior</c>, <c>temperature</c> or <c>prior+temperature</c>.</returns>
    public static string CorrectionName(LogitCorrection correction) => correction switch
    {
        LogitCorrection.Prior => "prior",
        LogitCorrection.Temperature => "temperature",
        LogitCorrection.PriorAndTemperature => "prior+temperature",
        _ => "none",
    };

    /// <summary>Parses <c>--decision argmax|median|expected-value</c> (<c>expected</c> is read as <c>expected-value</c>).</summary>
    /// <param name="value">The option value.</param>
    /// <returns>The rule.</returns>
    public static DecisionRule Decision(string value) => DecisionRule.TryParse(value, out var rule)
        ? rule
        : throw new CliException($"--decision: '{value}' is not one of {string.Join(", ", DecisionRule.Named.Select(r => r.Name))}.");

    /// <summary>Parses <c>--loss ce|corn|coral</c> for every head, or <c>h1=corn,h2=ce</c> (heads not named get <c>ce</c>).</summary>
    /// <param name="value">The option value, or null.</param>
    /// <param name="heads">The head names, in order.</param>
    /// <returns>One loss per head.</returns>
    /// <exception cref="CliException">An unknown loss or head name.</exception>
    public static HeadLoss[] Losses(string? value, IReadOnlyList<string> heads)
    {
        var result = new HeadLoss[heads.Count];
        if (string.IsNullOrWhiteSpace(value))
        {
            return result;
        }

        if (!value.Contains('=', StringComparison.Ordinal))
        {
            Array.Fill(result, Loss(value, "--loss"));
            return result;
        }

        foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            int h = heads.ToList().IndexOf(pair[0]);
            if (h < 0)
            {
                throw new CliException($"--loss: head '{pair[0]}' is not one of --heads ({string.Join(", ", heads)}).");
            }

            result[h] = Loss(pair.Length == 2 ? pair[1] : string.Empty, $"--loss {pair[0]}");
        }

        return result;
    }

    private static HeadLoss Loss(string text, string option) => text.Trim().ToUpperInvariant() switch
    {
        "CE" => HeadLoss.CrossEntropy,
        "CORN" => HeadLoss.Corn,
        "CORAL" => HeadLoss.Coral,
        _ => throw new CliException($"{option}: '{text}' is not one of ce, corn, coral."),
    };

    private static int ClassCount(string text, string option) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k >= 2
            ? k
            : throw new CliException($"{option}: '{text}' is not a class count (an integer of at least 2).");

    /// <summary>
    /// The <c>--na-values</c> option of every command that reads feature cells: a comma-separated list of the CSV
    /// cells that mean "missing", replacing the default set (an empty cell, <c>NA</c>, <c>NaN</c>).
    /// </summary>
    /// <param name="train">True for <c>train</c> (whose set is stored with the model); false for the commands that
    /// use a model's stored set unless given.</param>
    /// <returns>The option.</returns>
    internal static System.CommandLine.Option<string?> NaValuesOption(bool train) => new("--na-values")
    {
        Description = "Comma-separated CSV feature cells that mean missing, replacing the default set (an empty cell, NA, NaN); "
            + "an empty entry (a leading comma, as in \",NA,null\") or <empty> is the empty cell. "
            + (train ? "Stored with the model for evaluate, predict and export." : "Default: the set the model was trained with."),
    };

    /// <summary>Parses <c>--na-values</c>.</summary>
    /// <param name="value">The option value, or null when it was not given.</param>
    /// <returns>The set, or null.</returns>
    internal static Input.MissingValues? NaValues(string? value) => value is null ? null : Input.MissingValues.Parse(value);
}
