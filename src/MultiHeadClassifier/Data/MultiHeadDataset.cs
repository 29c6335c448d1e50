using System.Globalization;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Data;

/// <summary>
/// In-memory training or evaluation data: a feature matrix (rows × features) and a label matrix
/// (rows × heads) with −1 for a missing label, optionally with the heads' names. Validated and copied when
/// created; immutable and thread-safe.
/// </summary>
/// <remarks>
/// With head names, the trainer, evaluator and corrections check them against the model's heads (a data set whose
/// columns are in another order is refused, naming the column), and <see cref="HeadLabels(string)"/> reads a
/// head's labels by name.
/// </remarks>
public sealed class MultiHeadDataset
{
    /// <summary>The label value that marks a missing rating.</summary>
    public const int MissingLabel = -1;

    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly string[]? _headNames;

    /// <summary>Creates a dataset from rectangular arrays.</summary>
    /// <param name="features">Rows × features; every value finite.</param>
    /// <param name="labels">Rows × heads; class indices or −1 for missing. Null for unlabelled (prediction-only) data.</param>
    /// <param name="headNames">The name of each label column, in column order; null when the columns are unnamed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">The data is empty, a value is NaN or infinite, the row counts differ, a label is below −1, or the head names do not match the label columns.</exception>
    public MultiHeadDataset(float[,] features, int[,]? labels = null, IReadOnlyList<string>? headNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        int rows = features.GetLength(0);
        int width = features.GetLength(1);
        var flat = new float[rows * width];
        Buffer.BlockCopy(features, 0, flat, 0, flat.Length * sizeof(float));
        (_features, RowCount, FeatureCount) = (flat, rows, width);
        (_labels, HeadCount) = FlattenLabels(labels, rows);
        _headNames = CheckedHeadNames(headNames, HeadCount);
        Validate();
    }

    /// <summary>Creates a dataset from jagged feature rows.</summary>
    /// <param name="features">One array per row, all of the same length; every value finite.</param>
    /// <param name="labels">Rows × heads; class indices or −1 for missing. Null for unlabelled data.</param>
    /// <param name="headNames">The name of each label column, in column order; null when the columns are unnamed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or a row is null.</exception>
    /// <exception cref="ArgumentException">The rows differ in width, the data is empty, a value is NaN or infinite, the row counts differ, or the head names do not match the label columns.</exception>
    public MultiHeadDataset(float[][] features, int[,]? labels = null, IReadOnlyList<string>? headNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        int rows = features.Length;
        int width = rows == 0 ? 0 : features[0]?.Length ?? throw new ArgumentNullException(nameof(features), "Feature row 0 is null.");
        var flat = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            float[] row = features[r] ?? throw new ArgumentNullException(nameof(features), $"Feature row {r} is null.");
            if (row.Length != width)
            {
                throw new ArgumentException($"Feature row {r} has {row.Length} values, but row 0 has {width}; every row must have the same width.", nameof(features));
            }

            Array.Copy(row, 0, flat, r * width, width);
        }

        (_features, RowCount, FeatureCount) = (flat, rows, width);
        (_labels, HeadCount) = FlattenLabels(labels, rows);
        _headNames = CheckedHeadNames(headNames, HeadCount);
        Validate();
    }

    private MultiHeadDataset(float[] features, int[] labels, int rows, int width, int heads, string[]? headNames)
    {
        (_features, _labels, RowCount, FeatureCount, HeadCount, _headNames) = (features, labels, rows, width, heads, headNames);
    }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Number of feature columns.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of label columns (0 for unlabelled data).</summary>
    public int HeadCount { get; }

    /// <summary>The names of the label columns, in column order, or null when the columns are unnamed.</summary>
    public IReadOnlyList<string>? HeadNames => _headNames;

    /// <summary>Whether the dataset carries labels.</summary>
    public bool HasLabels => HeadCount > 0;

    /// <summary>The features, row-major (row r starts at r · <see cref="FeatureCount"/>).</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>The labels, row-major (row r starts at r · <see cref="HeadCount"/>); −1 is missing.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The label of one row and head; −1 when missing.</summary>
    /// <param name="row">Row index.</param>
    /// <param name="head">Head (label column) index.</param>
    /// <returns>The class index or −1.</returns>
    public int Label(int row, int head) => _labels[row * HeadCount + head];

    /// <summary>The labels of one head, by name, as a new array (−1 for missing).</summary>
    /// <param name="head">The head's name, as given to the constructor's <c>headNames</c>.</param>
    /// <returns>One label per row.</returns>
    /// <exception cref="InvalidOperationException">The data set was created without head names.</exception>
    /// <exception cref="KeyNotFoundException">No label column has that name; the message lists the names.</exception>
    public int[] HeadLabels(string head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (_headNames is null)
        {
            throw new InvalidOperationException($"This data set has no head names, so head '{head}' cannot be found by name; create it with headNames, or use HeadLabels(int).");
        }

        int index = Array.IndexOf(_headNames, head);
        return index >= 0
            ? HeadLabels(index)
            : throw new KeyNotFoundException($"No label column is named '{head}'; the columns are {string.Join(", ", _headNames)}.");
    }

    /// <summary>The labels of one head as a new array (−1 for missing).</summary>
    /// <param name="head">Head (label column) index.</param>
    /// <returns>One label per row.</returns>
    public int[] HeadLabels(int head)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(head);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(head, HeadCount);
        var result = new int[RowCount];
        for (int r = 0; r < RowCount; r++)
        {
            result[r] = _labels[r * HeadCount + head];
        }

        return result;
    }

    /// <summary>Counts the labelled rows per class for each head.</summary>
    /// <param name="heads">The heads, in label-column order.</param>
    /// <returns>One array of K counts per head.</returns>
    /// <exception cref="ArgumentException">The dataset does not fit the heads; see <see cref="ValidateFor"/>.</exception>
    public long[][] ClassCounts(IReadOnlyList<HeadDefinition> heads)
    {
        ValidateFor(heads, FeatureCount);
        var counts = heads.Select(h => new long[h.ClassCount]).ToArray();
        for (int r = 0; r < RowCount; r++)
        {
            for (int h = 0; h < HeadCount; h++)
            {
                int y = _labels[r * HeadCount + h];
                if (y >= 0)
                {
                    counts[h][y]++;
                }
            }
        }

        return counts;
    }

    /// <summary>
    /// Checks that this dataset fits a model: the feature width, the number of label columns, their names (when
    /// the data set has names), and every label in −1..K−1 for its head.
    /// </summary>
    /// <param name="heads">The heads, in label-column order.</param>
    /// <param name="featureCount">The model's input width.</param>
    /// <param name="requireLabels">Whether labels must be present.</param>
    /// <param name="role">What the data is for, named in messages, e.g. "validation data". Default "data".</param>
    /// <exception cref="ArgumentException">The first mismatch found, naming the data's role and the row, column or head.</exception>
    public void ValidateFor(IReadOnlyList<HeadDefinition> heads, int featureCount, bool requireLabels = true, string role = "data")
    {
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        if (FeatureCount != featureCount)
        {
            throw new ArgumentException($"The {role} has {FeatureCount} feature columns, but the model expects {featureCount}.");
        }

        if (!HasLabels)
        {
            if (requireLabels)
            {
                throw new ArgumentException($"The {role} has no labels; training and evaluation need a label column per head.");
            }

            return;
        }

        if (HeadCount != heads.Count)
        {
            throw new ArgumentException($"The {role} has {HeadCount} label columns, but the model has {heads.Count} heads ({string.Join(", ", heads.Select(h => h.Name))}).");
        }

        CheckHeadNames(heads, role);
        CheckLabelRanges(heads, role);
    }

    private void CheckHeadNames(IReadOnlyList<HeadDefinition> heads, string role)
    {
        if (_headNames is null)
        {
            return;
        }

        for (int h = 0; h < HeadCount; h++)
        {
            if (!string.Equals(_headNames[h], heads[h].Name, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"The {role}'s label column {h} is named '{_headNames[h]}', but the model's head {h} is '{heads[h].Name}'; "
                    + $"the {role} has heads {string.Join(", ", _headNames)} and the model {string.Join(", ", heads.Select(x => x.Name))}, in that order.");
            }
        }
    }

    private void CheckLabelRanges(IReadOnlyList<HeadDefinition> heads, string role)
    {
        string where = role == "data" ? string.Empty : $" of the {role}";
        for (int r = 0; r < RowCount; r++)
        {
            for (int h = 0; h < HeadCount; h++)
            {
                int y = _labels[r * HeadCount + h];
                if (y >= heads[h].ClassCount)
                {
                    throw new ArgumentException($"Head '{heads[h].Name}': label {y} at row {r}{where} is outside 0..{heads[h].ClassCount - 1} (use -1 for a missing label).");
                }
            }
        }
    }

    /// <summary>Returns the rows <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/>−1 as a new dataset.</summary>
    /// <param name="start">First row.</param>
    /// <param name="count">Number of rows.</param>
    /// <returns>The slice.</returns>
    public MultiHeadDataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, RowCount);
        return new MultiHeadDataset(
            _features.AsSpan(start * FeatureCount, count * FeatureCount).ToArray(),
            _labels.AsSpan(start * HeadCount, count * HeadCount).ToArray(),
            count,
            FeatureCount,
            HeadCount,
            _headNames);
    }

    /// <summary>Wraps row-major arrays without copying them, after the same checks as the public constructors.</summary>
    /// <param name="features">Rows × width values, row-major; owned by the new dataset.</param>
    /// <param name="labels">Rows × heads labels, row-major; owned by the new dataset.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">Number of feature columns.</param>
    /// <param name="heads">Number of label columns.</param>
    /// <param name="headNames">The label columns' names, or null.</param>
    /// <returns>The dataset.</returns>
    internal static MultiHeadDataset FromRowMajor(float[] features, int[] labels, int rows, int width, int heads, string[]? headNames)
    {
        var data = new MultiHeadDataset(features, labels, rows, width, heads, headNames);
        data.Validate();
        return data;
    }

    /// <summary>
    /// Wraps row-major arrays that the caller has already checked (at least one row and one feature column, finite
    /// features, labels of at least −1), without copying them and without scanning them again.
    /// </summary>
    /// <param name="features">Rows × width values, row-major; owned by the new dataset.</param>
    /// <param name="labels">Rows × heads labels, row-major; owned by the new dataset.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">Number of feature columns.</param>
    /// <param name="heads">Number of label columns.</param>
    /// <param name="headNames">The label columns' names, or null.</param>
    /// <returns>The dataset.</returns>
    internal static MultiHeadDataset FromCheckedRowMajor(float[] features, int[] labels, int rows, int width, int heads, string[]? headNames) =>
        new(features, labels, rows, width, heads, headNames);

    /// <summary>The row-major arrays behind this dataset (not copies), for a source that recycles its batches.</summary>
    internal (float[] Features, int[] Labels) RowMajorArrays => (_features, _labels);

    /// <summary>Adds this dataset's per-head class counts to <paramref name="totals"/>, without checking the labels against any heads.</summary>
    /// <param name="totals">Per label column, one count per class; every label must be below its column's length.</param>
    internal void AddClassCounts(long[][] totals)
    {
        for (int r = 0; r < RowCount; r++)
        {
            for (int h = 0; h < HeadCount; h++)
            {
                int y = _labels[r * HeadCount + h];
                if (y >= 0)
                {
                    totals[h][y]++;
                }
            }
        }
    }

    /// <summary>The error for a NaN or infinite feature value at a 0-based row and column.</summary>
    internal static ArgumentException NonFiniteFeature(float value, int row, int column) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Feature value at row {row}, column {column} is {value}; features must be finite numbers."));

    private static string[]? CheckedHeadNames(IReadOnlyList<string>? names, int labelColumns)
    {
        if (names is null)
        {
            return null;
        }

        if (names.Count != labelColumns)
        {
            throw new ArgumentException($"{names.Count} head names were given for {labelColumns} label columns; give one name per label column.", "headNames");
        }

        for (int h = 0; h < names.Count; h++)
        {
            if (string.IsNullOrWhiteSpace(names[h]))
            {
                throw new ArgumentException($"Head name {h} is empty.", "headNames");
            }

            int first = names.Take(h).ToList().IndexOf(names[h]);
            if (first >= 0)
            {
                throw new ArgumentException($"Head name '{names[h]}' is given for label columns {first} and {h}; head names must be unique.", "headNames");
            }
        }

        return [.. names];
    }

    private static (int[] Labels, int Heads) FlattenLabels(int[,]? labels, int rows)
    {
        if (labels is null)
        {
            return ([], 0);
        }

        if (labels.GetLength(0) != rows)
        {
            throw new ArgumentException($"The features have {rows} rows but the labels have {labels.GetLength(0)}.", nameof(labels));
        }

        int heads = labels.GetLength(1);
        var flat = new int[rows * heads];
        Buffer.BlockCopy(labels, 0, flat, 0, flat.Length * sizeof(int));
        return (flat, heads);
    }

    private void Validate()
    {
        if (RowCount == 0)
        {
            throw new ArgumentException("The data has no rows.");
        }

        if (FeatureCount == 0)
        {
            throw new ArgumentException("The data has no feature columns.");
        }

        int bad = FiniteValues.IndexOfNonFinite(_features);
        if (bad >= 0)
        {
            throw NonFiniteFeature(_features[bad], bad / FeatureCount, bad % FeatureCount);
        }

        for (int i = 0; i < _labels.Length; i++)
        {
            if (_labels[i] < MissingLabel)
            {
                throw new ArgumentException($"Label {_labels[i]} at row {i / HeadCount}, head column {i % HeadCount} is invalid; labels are class indices 0..K-1, or -1 for missing.");
            }
        }
    }
}
