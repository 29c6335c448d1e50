using System.Globalization;

namespace MultiHeadClassifier.Cli.Output;

/// <summary>
/// One column of <c>mhc predict</c>'s output for one chunk of rows: a head's labels (integers) or one class's
/// probabilities or logits (32-bit floats). Exactly one of <see cref="Labels"/> and <see cref="Scores"/> is set.
/// </summary>
/// <param name="Name">The column name: <c>&lt;head&gt;</c>, <c>&lt;head&gt;_&lt;class&gt;</c> or <c>&lt;head&gt;_t&lt;k&gt;</c>.</param>
/// <param name="Labels">The labels, one per row, or null.</param>
/// <param name="Scores">The probabilities or logits, one per row, or null.</param>
internal sealed record PredictionColumn(string Name, int[]? Labels, float[]? Scores)
{
    /// <summary>
    /// The CSV text of row <paramref name="row"/>: a label in the invariant culture, or a float in its shortest
    /// round-trip form (<see cref="float.ToString(string?, IFormatProvider?)"/> with <c>"R"</c>: the fewest digits that
    /// parse back to the same float, e.g. <c>0.1</c>, never 17 digits).
    /// </summary>
    /// <param name="row">The row within the chunk.</param>
    /// <returns>The cell's text.</returns>
    public string Cell(int row) => Labels is not null
        ? Labels[row].ToString(CultureInfo.InvariantCulture)
        : Scores![row].ToString("R", CultureInfo.InvariantCulture);
}
