using MultiHeadClassifier.Data;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// Evaluates every head of a model or an ensemble over labelled rows given in chunks, one
/// <see cref="HeadEvaluationAccumulator"/> per head: add each chunk's probabilities and predictions (or decision
/// rules) with <c>Add</c>, in row order, then read the <see cref="EvaluationReport"/> with <see cref="ToReport"/>. The
/// report is exactly the one <see cref="ModelEvaluator"/> gives for all the rows at once. Memory does not grow with
/// the rows: adaptive ECE's record of 8 bytes per labelled row and head is held in memory up to 262,144 rows per
/// head and written to a temporary file in sorted runs beyond that (see <see cref="HeadEvaluationAccumulator"/>).
/// Not thread-safe.
/// </summary>
public sealed class EvaluationAccumulator
{
    private readonly HeadEvaluationAccumulator[] _heads;

    /// <summary>Starts an empty evaluation of the given heads.</summary>
    /// <param name="heads">The heads, in report order (names unique).</param>
    /// <exception cref="ArgumentNullException"><paramref name="heads"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">Two heads have the same name.</exception>
    public EvaluationAccumulator(IReadOnlyList<HeadDefinition> heads)
    {
        ArgumentNullException.ThrowIfNull(heads);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (HeadDefinition head in heads)
        {
            ArgumentNullException.ThrowIfNull(head, nameof(heads));
            if (!seen.Add(head.Name))
            {
                throw new ArgumentException($"head '{head.Name}' appears more than once; head names must be unique.", nameof(heads));
            }
        }

        _heads = [.. heads.Select(h => new HeadEvaluationAccumulator(h.Name, h.ClassCount))];
    }

    /// <summary>The per-head accumulators, in report order.</summary>
    public IReadOnlyList<HeadEvaluationAccumulator> Heads => _heads;

    /// <summary>Adds the next chunk of labelled rows, in row order after those already added.</summary>
    /// <param name="chunk">The rows, with one label column per head in report order (−1 = missing).</param>
    /// <param name="probabilities">The chunk's class probabilities, rows × K, keyed by head name.</param>
    /// <param name="predictions">The chunk's predicted classes, one per row, keyed by head name.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// The chunk has no labels or another number of heads, a head is missing from the dictionaries, or a head's
    /// values are invalid (see <see cref="HeadEvaluationAccumulator.Add(int[], double[,], int[])"/>).
    /// </exception>
    public void Add(MultiHeadDataset chunk, IReadOnlyDictionary<string, double[,]> probabilities, IReadOnlyDictionary<string, int[]> predictions)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(predictions);
        if (!chunk.HasLabels || chunk.HeadCount != _heads.Length)
        {
            throw new ArgumentException(
                $"the chunk has {(chunk.HasLabels ? chunk.HeadCount.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no")} label columns but {_heads.Length} heads are evaluated.",
                nameof(chunk));
        }

        for (int h = 0; h < _heads.Length; h++)
        {
            string name = _heads[h].Name;
            if (!probabilities.TryGetValue(name, out double[,]? p) || !predictions.TryGetValue(name, out int[]? predicted))
            {
                throw new ArgumentException($"head '{name}' has no probabilities or predictions for this chunk.", nameof(probabilities));
            }

            _heads[h].Add(chunk.HeadLabels(h), p, predicted);
        }
    }

    /// <summary>
    /// Adds the next chunk of labelled rows, in row order after those already added, predicting each head's classes
    /// with its decision rule.
    /// </summary>
    /// <param name="chunk">The rows, with one label column per head in report order (−1 = missing).</param>
    /// <param name="probabilities">The chunk's class probabilities, rows × K, keyed by head name.</param>
    /// <param name="ruleFor">Each head's decision rule, by head name (e.g. <c>h =&gt; rule.ForHead(model, h)</c>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="Add(MultiHeadDataset, IReadOnlyDictionary{string, double[,]}, IReadOnlyDictionary{string, int[]})"/>.</exception>
    public void Add(MultiHeadDataset chunk, IReadOnlyDictionary<string, double[,]> probabilities, Func<string, DecisionRule> ruleFor)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(ruleFor);
        var predictions = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (HeadEvaluationAccumulator head in _heads)
        {
            if (!probabilities.TryGetValue(head.Name, out double[,]? p))
            {
                throw new ArgumentException($"head '{head.Name}' has no probabilities for this chunk.", nameof(probabilities));
            }

            predictions[head.Name] = ruleFor(head.Name).Decide(p);
        }

        Add(chunk, probabilities, predictions);
    }

    /// <summary>The report over every row added so far; adding more rows afterwards is allowed.</summary>
    /// <returns>The per-head report.</returns>
    public EvaluationReport ToReport() => new(_heads.Select(h => h.ToEvaluation()));
}
