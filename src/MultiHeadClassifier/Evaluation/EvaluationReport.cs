namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// The evaluations of several heads, in the order given, and the mean of each scalar metric over the heads that
/// have a value for it. Immutable and thread-safe.
/// </summary>
public sealed class EvaluationReport
{
    private readonly OrderedDictionary<string, HeadEvaluation> _heads;

    /// <summary>Creates a report from head evaluations.</summary>
    /// <param name="heads">The heads, in report order; names must be unique.</param>
    /// <exception cref="ArgumentNullException"><paramref name="heads"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">Two heads have the same name.</exception>
    public EvaluationReport(IEnumerable<HeadEvaluation> heads)
    {
        ArgumentNullException.ThrowIfNull(heads);
        _heads = new OrderedDictionary<string, HeadEvaluation>(StringComparer.Ordinal);
        foreach (HeadEvaluation head in heads)
        {
            ArgumentNullException.ThrowIfNull(head, nameof(heads));
            if (!_heads.TryAdd(head.Name, head))
            {
                throw new ArgumentException($"head '{head.Name}' appears more than once; head names must be unique.", nameof(heads));
            }
        }

        Mean = MetricSummary.Mean(_heads.Values.Select(h => h.Metrics));
    }

    /// <summary>The heads keyed by name; enumeration follows the order given to the constructor.</summary>
    public IReadOnlyDictionary<string, HeadEvaluation> Heads => _heads;

    /// <summary>Each scalar metric averaged over the heads that have a value for it; null where none has.</summary>
    public MetricSummary Mean { get; }

    /// <summary>
    /// The report as JSON: <c>{"heads": {"&lt;name&gt;": {...}}, "mean": {...}}</c>. Each head has the keys
    /// accuracy, balanced_accuracy, macro_f1, qwk, mae, nll, brier, ece, amae, rmse, classwise_ece,
    /// adaptive_ece (numbers, or null when undefined), qwk_undefined_reason, class_count, labelled, missing, has_labels, support, confusion_matrix (rows = true
    /// class), per_class {precision, recall, f1} and reliability (bins with lower, upper, count,
    /// mean_confidence, accuracy). "mean" has the twelve scalar keys.
    /// </summary>
    /// <param name="indented">Whether to indent the output. Default true.</param>
    /// <returns>The JSON text (UTF-16 string).</returns>
    public string ToJson(bool indented = true) => EvaluationReportJson.Write(this, indented);

    /// <summary>
    /// A fixed-width text table: one row per head and a final "mean" row, columns acc, bal_acc, macro_f1, qwk,
    /// mae, nll, brier, ece, amae, rmse, cw_ece (class-wise ECE), ada_ece (adaptive ECE) (four decimals, "-" when
    /// undefined) and n (labelled rows).
    /// </summary>
    /// <returns>The table, lines separated by '\n'.</returns>
    public string ToTable() => EvaluationReportTable.Write(this);
}
