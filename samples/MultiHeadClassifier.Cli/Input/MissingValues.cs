using System.Globalization;
using System.Text;

namespace MultiHeadClassifier.Cli.Input;

/// <summary>
/// The CSV feature cells that mean "missing", exactly as written (case matters): by default an empty cell,
/// <c>NA</c> and <c>NaN</c>; <c>--na-values</c> replaces the set. Every other cell that is not a number is an error.
/// Label cells do not use the set: an empty label cell is a missing label and anything else must be a class index.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class MissingValues
{
    private readonly byte[][] _utf8;
    private readonly bool _empty;
    private readonly bool _numeric;

    private MissingValues(IEnumerable<string> tokens)
    {
        Tokens = [.. tokens.Distinct(StringComparer.Ordinal)];
        _empty = Tokens.Contains(string.Empty);
        _utf8 = [.. Tokens.Where(t => t.Length > 0).Select(Encoding.UTF8.GetBytes)];
        _numeric = Tokens.Any(IsNumber);
    }

    /// <summary>The default set: an empty cell, <c>NA</c> and <c>NaN</c>.</summary>
    public static MissingValues Default { get; } = new(["", "NA", "NaN"]);

    /// <summary>The tokens, in the order given; the empty string is the empty cell.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>True when this is the default set.</summary>
    public bool IsDefault => Tokens.Count == 3 && Tokens.Order(StringComparer.Ordinal).SequenceEqual(["", "NA", "NaN"], StringComparer.Ordinal);

    /// <summary>
    /// Parses <c>--na-values</c>: a comma-separated list that replaces the default set. An empty entry is the empty
    /// cell, so <c>",NA,null"</c> (a leading comma) keeps empty cells missing and <c>"NA,null"</c> makes them errors;
    /// the word <c>&lt;empty&gt;</c> is another way to write the empty cell. Entries are trimmed of spaces and tabs,
    /// as cells are. An entry may be a number written exactly as the sentinel cells are (<c>-999</c> matches the
    /// cell <c>-999</c>, not <c>-999.0</c>).
    /// </summary>
    /// <param name="text">The option's value, or null for the default set.</param>
    /// <returns>The set.</returns>
    /// <exception cref="CliException">An entry has a quote.</exception>
    public static MissingValues Parse(string? text)
    {
        if (text is null)
        {
            return Default;
        }

        var tokens = new List<string>();
        foreach (string part in text.Split(','))
        {
            string token = part.Trim(' ', '\t');
            if (token == "<empty>")
            {
                token = string.Empty;
            }

            if (token.Contains('"', StringComparison.Ordinal))
            {
                throw new CliException($"--na-values: {Csv.MessageText.Quote(token)} has a quote; give the value as the cell reads once unquoted.");
            }

            tokens.Add(token);
        }

        return new MissingValues(tokens);
    }

    /// <summary>Makes a set from stored tokens (a model directory's), without the checks of <see cref="Parse"/>.</summary>
    /// <param name="tokens">The tokens; the empty string is the empty cell.</param>
    /// <returns>The set.</returns>
    public static MissingValues Of(IEnumerable<string> tokens) => new(tokens);

    /// <summary>The set as <c>--na-values</c> would give it: the tokens joined by commas.</summary>
    /// <returns>The option text.</returns>
    public string ToOptionText() => string.Join(",", Tokens);

    /// <summary>True when a cell's UTF-8 bytes are one of the tokens.</summary>
    /// <param name="cell">The cell, trimmed and unquoted.</param>
    /// <returns>Whether the cell is missing.</returns>
    public bool Contains(ReadOnlySpan<byte> cell)
    {
        if (cell.IsEmpty)
        {
            return _empty;
        }

        foreach (byte[] token in _utf8)
        {
            if (cell.SequenceEqual(token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Classifies a feature cell given as UTF-8: a finite float, missing, out of float range, or not a number.</summary>
    /// <param name="cell">The cell's bytes.</param>
    /// <param name="value">The value when the cell is a number, otherwise NaN.</param>
    /// <returns>The kind of cell.</returns>
    public CellKind Classify(ReadOnlySpan<byte> cell, out float value)
    {
        // Numbers, the common case, are settled by the parse alone; the missing tokens are looked up only after it
        // fails, unless a token is itself a number (a sentinel such as -999).
        if (_numeric && Contains(cell))
        {
            value = float.NaN;
            return CellKind.Missing;
        }

        if (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !float.IsNaN(value))
        {
            // Parsing rounds to the nearest float: 1e400, -1e309 and 3.5e38 become infinities, like the text Infinity.
            return float.IsInfinity(value) ? CellKind.OutOfRange : CellKind.Number;
        }

        value = float.NaN;
        return Contains(cell) ? CellKind.Missing : CellKind.NotANumber;
    }

    /// <summary>
    /// The error for a feature cell, or null when the cell is a number or is imputed.
    /// </summary>
    /// <param name="kind">The cell's kind.</param>
    /// <param name="text">The cell's text (for <see cref="CellKind.NotANumber"/> and <see cref="CellKind.OutOfRange"/>).</param>
    /// <param name="impute">Whether missing cells are imputed; any other cell that is not a number is an error either
    /// way, so that a typo never becomes the mean.</param>
    /// <param name="where">The cell's location for the message.</param>
    /// <returns>The message, or null.</returns>
    public string? FeatureCellError(CellKind kind, string text, bool impute, Func<string> where) => kind switch
    {
        CellKind.Number => null,
        CellKind.OutOfRange => $"{where()}: {Csv.MessageText.Quote(text)} is outside the range of a 32-bit float (about ±3.4E+38).",
        CellKind.Missing when impute => null,
        CellKind.Missing => $"{where()}: the value is missing (to impute missing values, train with --missing-features mean).",
        _ => $"{where()}: {Csv.MessageText.Quote(text)} is not a number (a missing value is {Describe()}).",
    };

    private static bool IsNumber(string token) =>
        float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && !float.IsNaN(value);

    /// <summary>The set in words, for messages: <c>an empty cell, NA or NaN</c>.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        var words = Tokens.Select(t => t.Length == 0 ? "an empty cell" : t).ToList();
        return words.Count switch
        {
            0 => "nothing: --na-values is empty",
            1 => words[0],
            _ => string.Join(", ", words.Take(words.Count - 1)) + " or " + words[^1],
        };
    }
}
