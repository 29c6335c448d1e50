using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Evaluates one head over rows given in chunks: add the chunks' labels, probabilities and predictions in row
/// order with <see cref="Add(int[], double[,], int[])"/>, then read the <see cref="HeadEvaluation"/> with <see cref="ToEvaluation"/>. The
/// result is exactly (bit for bit) what <see cref="HeadEvaluator"/> gives for all the rows at once, whatever the
/// chunk sizes, because every running sum is kept in row order. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// What is kept, and what grows. Fixed size, whatever the number of rows: the K × K confusion matrix (accuracy,
/// balanced accuracy, macro F1, kappa, MAE, macro-averaged MAE, RMSE, per-class metrics and supports are all
/// functions of it), the sums behind NLL and Brier, and the 15 equal-width bins of the top-label diagram (ECE) and
/// of each class's diagram (class-wise ECE): 8·K² + 16 + 15·24·(K + 1) bytes.
/// </para>
/// <para>
/// Adaptive ECE needs every labelled row, because its equal-mass bins are cut at ranks of the sorted confidences
/// and each bin's confidences are summed in sorted order. It records one double per labelled row: the row's
/// top-label confidence, its sign marking whether the row is a hit. The first 262,144 labelled rows are held in
/// memory (up to 2 MiB, growing in blocks of 512 KiB), and <see cref="ToEvaluation"/> needs 12 bytes more per such
/// row while it sorts them. Beyond that, each 262,144 rows are sorted and written as one run to a temporary file
/// (8 bytes per labelled row on disk, in <see cref="Path.GetTempPath"/>; removed from the folder at once, its space
/// given back when the accumulator is collected or the process ends), and <see cref="ToEvaluation"/> merges the
/// runs with a 64 KiB buffer each. So memory no longer grows with the rows, and the adaptive ECE is the same, bit
/// for bit, as the in-memory sort gives. Rows with a missing label cost nothing.
/// </para>
/// </remarks>
public sealed class HeadEvaluationAccumulator
{
    private readonly long[,] _confusion;
    private readonly ReliabilityBinCounts _topLabel = new();
    private readonly ReliabilityBinCounts[] _perClass;
    private readonly ConfidenceRecord _confidences;
    private double _nllSum;
    private double _brierSum;

    /// <summary>Starts an empty evaluation of one head.</summary>
    /// <param name="name">The head's name, used in the report and in error messages.</param>
    /// <param name="classCount">K, the head's class count (at least 1).</param>
    /// <exception cref="ArgumentException">The name is null, empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    public HeadEvaluationAccumulator(string name, int classCount)
        : this(name, classCount, new ConfidenceRecord())
    {
    }

    /// <summary>Starts an empty evaluation of one head whose adaptive-ECE record is <paramref name="confidences"/>.</summary>
    /// <param name="name">The head's name.</param>
    /// <param name="classCount">K, the head's class count (at least 1).</param>
    /// <param name="confidences">An empty record (e.g. with a small in-memory limit, to test the spilled path).</param>
    internal HeadEvaluationAccumulator(string name, int classCount, ConfidenceRecord confidences)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _confidences = confidences;
        ArrayChecks.RequireClassCount(classCount, nameof(classCount));
        Name = name;
        ClassCount = classCount;
        _confusion = new long[classCount, classCount];
        _perClass = [.. Enumerable.Range(0, classCount).Select(_ => new ReliabilityBinCounts())];
    }

    /// <summary>The head's name.</summary>
    public string Name { get; }

    /// <summary>K, the head's class count.</summary>
    public int ClassCount { get; }

    /// <summary>The rows added so far, labelled or not.</summary>
    public long RowCount { get; private set; }

    /// <summary>The rows added so far that have a label.</summary>
    public long LabelledCount => _confidences.Count;

    /// <summary>Adds the next chunk of rows, in row order after those already added.</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K: finite, non-negative, each row summing to 1 within 1e-3.</param>
    /// <param name="predictions">One predicted class per row in 0..K−1 (from a <see cref="DecisionRule"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// The column count is not K, the row counts differ, or a label, prediction or probability is invalid; the
    /// message names the head and the row within the chunk, and after the first chunk the row the chunk starts at.
    /// Nothing of the chunk is added.
    /// </exception>
    public void Add(int[] labels, double[,] probabilities, int[] predictions)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(predictions);
        if (probabilities.GetLength(1) != ClassCount)
        {
            throw new ArgumentException(
                $"head '{Name}': probabilities have {probabilities.GetLength(1)} columns but the head has {ClassCount} classes.",
                nameof(probabilities));
        }

        Validate(labels, probabilities, predictions);
        int rows = probabilities.GetLength(0);
        for (int r = 0; r < rows; r++)
        {
            int y = labels[r];
            if (y < 0)
            {
                continue;
            }

            _confusion[y, predictions[r]]++;

            // NLL as scikit-learn's log_loss: the row renormalised, p_y clipped to [ε, 1 − ε].
            double sum = 0;
            for (int c = 0; c < ClassCount; c++)
            {
                sum += probabilities[r, c];
            }

            _nllSum -= Math.Log(Math.Clamp(probabilities[r, y] / sum, ProbabilisticMetrics.Epsilon, 1 - ProbabilisticMetrics.Epsilon));
            for (int c = 0; c < ClassCount; c++)
            {
                double d = probabilities[r, c] - (c == y ? 1.0 : 0.0);
                _brierSum += d * d;
                _perClass[c].Add(probabilities[r, c], y == c);
            }

            int top = CalibrationError.TopClass(probabilities, r);
            _topLabel.Add(probabilities[r, top], top == y);
            _confidences.Add(probabilities[r, top], top == y);
        }

        RowCount += rows;
    }

    /// <summary>Adds the next chunk of rows, predicting their classes with <paramref name="rule"/>.</summary>
    /// <param name="labels">One label per row in 0..K−1, or −1 for missing.</param>
    /// <param name="probabilities">Class probabilities, rows × K.</param>
    /// <param name="rule">The decision rule that turns probabilities into predictions.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="Add(int[], double[,], int[])"/>.</exception>
    public void Add(int[] labels, double[,] probabilities, DecisionRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(probabilities);
        Guard(() => ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities), Name));
        Add(labels, probabilities, rule.Decide(probabilities));
    }

    /// <summary>The evaluation of every row added so far; adding more rows afterwards is allowed.</summary>
    /// <returns>The head's evaluation, equal to <see cref="HeadEvaluator"/>'s over the same rows in the same order.</returns>
    public HeadEvaluation ToEvaluation()
    {
        long labelled = LabelledCount;
        KappaResult kappa = QuadraticWeightedKappa.Compute(_confusion);
        ReliabilityBin[] bins = _topLabel.ToBins();
        IReadOnlyList<ReliabilityBin>[] classBins = [.. _perClass.Select(b => (IReadOnlyList<ReliabilityBin>)b.ToBins())];
        var metrics = new MetricSummary(
            ClassificationMetrics.Accuracy(_confusion),
            ClassificationMetrics.BalancedAccuracy(_confusion),
            ClassificationMetrics.MacroF1(_confusion),
            kappa.Value,
            ClassificationMetrics.MeanAbsoluteError(_confusion),
            labelled == 0 ? null : _nllSum / labelled,
            labelled == 0 ? null : _brierSum / labelled,
            CalibrationError.ExpectedCalibrationError(bins))
        {
            Amae = ClassificationMetrics.MacroAveragedMeanAbsoluteError(_confusion),
            Rmse = ClassificationMetrics.RootMeanSquaredError(_confusion),
            ClasswiseEce = CalibrationError.ClasswiseCalibrationError(classBins),
            AdaptiveEce = CalibrationError.AdaptiveCalibrationError(_confidences),
        };

        var matrix = new IReadOnlyList<long>[ClassCount];
        for (int i = 0; i < ClassCount; i++)
        {
            var row = new long[ClassCount];
            for (int j = 0; j < ClassCount; j++)
            {
                row[j] = _confusion[i, j];
            }

            matrix[i] = row;
        }

        return new HeadEvaluation
        {
            Name = Name,
            ClassCount = ClassCount,
            LabelledCount = checked((int)labelled),
            MissingCount = checked((int)(RowCount - labelled)),
            Metrics = metrics,
            QwkUndefinedReason = kappa.UndefinedReason,
            PerClass = ClassificationMetrics.PerClass(_confusion),
            ConfusionMatrix = matrix,
            Reliability = bins,
            ClassReliability = classBins,
        };
    }

    private void Validate(int[] labels, double[,] probabilities, int[] predictions) => Guard(() =>
    {
        ArrayChecks.RequireProbabilities(probabilities, nameof(probabilities), Name);
        int rows = probabilities.GetLength(0);
        ArrayChecks.RequireLabels(labels, rows, ClassCount, nameof(labels), Name);
        ArrayChecks.RequirePredictions(predictions, rows, ClassCount, nameof(predictions), Name);
    });

    /// <summary>
    /// Runs a check; after the first chunk, a failure's message also says where the chunk starts, since the row it
    /// names is counted within the chunk.
    /// </summary>
    private void Guard(Action check)
    {
        try
        {
            check();
        }
        catch (ArgumentException e) when (RowCount > 0 && e is not ArgumentNullException)
        {
            throw new ArgumentException($"{e.Message.Split(" (Parameter")[0]} (in the chunk starting at row {RowCount}; rows are counted within the chunk)", e.ParamName, e);
        }
    }
}
