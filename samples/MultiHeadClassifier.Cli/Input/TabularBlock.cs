using MultiHeadClassifier.Cli.Csv;
using MultiHeadClassifier.Data;

namespace MultiHeadClassifier.Cli.Input;

/// <summary>
/// A block of consecutive data rows of a <see cref="TabularInput"/>, converted to the types the model needs: the
/// selected feature columns as floats (NaN where a cell is not a number) and the selected label columns as class
/// indices (<see cref="MultiHeadDataset.MissingLabel"/> for a missing label, <see cref="BadLabel"/> for a cell that is
/// not a class index), with each row's location for messages.
/// </summary>
/// <remarks>
/// Cells that are neither numbers nor missing keep their text (few in any file worth reading), so a message can
/// quote them; numbers and missing cells keep none. Not thread-safe; a block is used by one consumer.
/// </remarks>
internal sealed class TabularBlock
{
    /// <summary>The label of a cell that is not a class index (the cell's text is in <see cref="LabelText"/>).</summary>
    public const int BadLabel = int.MinValue;

    private readonly TabularInput _input;
    private readonly int[] _featureColumns;
    private readonly int[] _labelColumns;
    private readonly Func<int, string> _location;
    private Dictionary<int, (CellKind Kind, string Text)>? _featureIssues;
    private Dictionary<int, string>? _labelIssues;

    /// <summary>Creates a block; the arrays become the block's.</summary>
    /// <param name="input">The input the rows come from (for column names and the file name).</param>
    /// <param name="featureColumns">The header indices of the feature columns (−1 for an absent column, read as missing).</param>
    /// <param name="labelColumns">The header indices of the label columns (−1 for an absent column, read as missing labels).</param>
    /// <param name="rowCount">The rows in the block.</param>
    /// <param name="location">Gives a row's location for messages (<c>file line N</c>), by its index in the block.</param>
    public TabularBlock(TabularInput input, int[] featureColumns, int[] labelColumns, int rowCount, Func<int, string> location)
    {
        (_input, _featureColumns, _labelColumns, RowCount, _location) = (input, featureColumns, labelColumns, rowCount, location);
        Features = new float[rowCount * featureColumns.Length];
        Labels = new int[rowCount * labelColumns.Length];
    }

    /// <summary>The number of rows.</summary>
    public int RowCount { get; }

    /// <summary>The number of feature columns.</summary>
    public int FeatureCount => _featureColumns.Length;

    /// <summary>The number of label columns.</summary>
    public int LabelCount => _labelColumns.Length;

    /// <summary>Rows × features, row-major; NaN where a cell is not a number (see <see cref="FeatureKind"/>).</summary>
    public float[] Features { get; }

    /// <summary>Rows × labels, row-major.</summary>
    public int[] Labels { get; }

    /// <summary>One row's features.</summary>
    /// <param name="row">The row in the block.</param>
    /// <returns>The features.</returns>
    public Span<float> FeatureRow(int row) => Features.AsSpan(row * FeatureCount, FeatureCount);

    /// <summary>One row's labels.</summary>
    /// <param name="row">The row in the block.</param>
    /// <returns>The labels.</returns>
    public Span<int> LabelRow(int row) => Labels.AsSpan(row * LabelCount, LabelCount);

    /// <summary>What a feature cell holds.</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="feature">The feature's index among the selected columns.</param>
    /// <returns>The kind.</returns>
    public CellKind FeatureKind(int row, int feature) =>
        !float.IsNaN(Features[(row * FeatureCount) + feature]) ? CellKind.Number
        : _featureIssues is not null && _featureIssues.TryGetValue((row * FeatureCount) + feature, out var issue) ? issue.Kind
        : CellKind.Missing;

    /// <summary>The text of a feature cell that is not a number and not missing; empty for other cells.</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="feature">The feature's index among the selected columns.</param>
    /// <returns>The text.</returns>
    public string FeatureText(int row, int feature) =>
        _featureIssues is not null && _featureIssues.TryGetValue((row * FeatureCount) + feature, out var issue) ? issue.Text : string.Empty;

    /// <summary>The text of a label cell that is <see cref="BadLabel"/>; empty for other cells.</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="label">The label's index among the selected columns.</param>
    /// <returns>The text.</returns>
    public string LabelText(int row, int label) =>
        _labelIssues is not null && _labelIssues.TryGetValue((row * LabelCount) + label, out string? text) ? text : string.Empty;

    /// <summary>The error for a feature cell, or null when it is a number or an imputed missing value.</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="feature">The feature's index among the selected columns.</param>
    /// <param name="impute">Whether missing cells are imputed.</param>
    /// <returns>The message, or null.</returns>
    public string? FeatureError(int row, int feature, bool impute)
    {
        var kind = FeatureKind(row, feature);
        return kind == CellKind.Number ? null : _input.Missing.FeatureCellError(kind, FeatureText(row, feature), impute, () => FeatureWhere(row, feature));
    }

    /// <summary>The error for a label cell that is not a class index.</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="label">The label's index among the selected columns.</param>
    /// <param name="head">The head's name.</param>
    /// <returns>The message.</returns>
    public string LabelError(int row, int label, string head) =>
        LabelMessages.NotAClassIndex(LabelWhere(row, label), head, LabelText(row, label), _input.MissingLabel);

    /// <summary>A row's location for messages: <c>file line N</c> (CSV) or <c>file row N (row group G)</c> (Parquet).</summary>
    /// <param name="row">The row in the block.</param>
    /// <returns>The text.</returns>
    public string Location(int row) => _location(row);

    /// <summary>A feature cell's location: <c>file line N, column 'c'</c>.</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="feature">The feature's index among the selected columns.</param>
    /// <returns>The text.</returns>
    public string FeatureWhere(int row, int feature) => $"{Location(row)}, column {MessageText.Quote(_input.Header[_featureColumns[feature]])}";

    /// <summary>A label cell's location: <c>file line N, column 'c'</c>.</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="label">The label's index among the selected columns.</param>
    /// <returns>The text.</returns>
    public string LabelWhere(int row, int label) => $"{Location(row)}, column {MessageText.Quote(_input.Header[_labelColumns[label]])}";

    /// <summary>The first <paramref name="rows"/> rows of this block, as a new block (for a file's last, shorter block).</summary>
    /// <param name="rows">The rows to keep.</param>
    /// <returns>The block.</returns>
    internal TabularBlock Take(int rows)
    {
        var result = new TabularBlock(_input, _featureColumns, _labelColumns, rows, _location)
        {
            _featureIssues = _featureIssues,
            _labelIssues = _labelIssues,
        };
        Array.Copy(Features, result.Features, result.Features.Length);
        Array.Copy(Labels, result.Labels, result.Labels.Length);
        return result;
    }

    /// <summary>Records a feature cell that is neither a number nor missing (its value stays NaN).</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="feature">The feature's index among the selected columns.</param>
    /// <param name="kind">Its kind.</param>
    /// <param name="text">Its text.</param>
    internal void SetFeatureIssue(int row, int feature, CellKind kind, string text)
    {
        Features[(row * FeatureCount) + feature] = float.NaN;
        (_featureIssues ??= [])[(row * FeatureCount) + feature] = (kind, text);
    }

    /// <summary>Records a label cell that is not a class index.</summary>
    /// <param name="row">The row in the block.</param>
    /// <param name="label">The label's index among the selected columns.</param>
    /// <param name="text">Its text.</param>
    internal void SetLabelIssue(int row, int label, string text)
    {
        Labels[(row * LabelCount) + label] = BadLabel;
        (_labelIssues ??= [])[(row * LabelCount) + label] = text;
    }
}
