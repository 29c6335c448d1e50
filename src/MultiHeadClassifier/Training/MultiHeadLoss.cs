using MultiHeadClassifier.Heads;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// The sum of the heads' class-weighted cross-entropies: total = Σ_h λ_h · loss_h. Owns its weight tensors;
/// dispose it when done. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// Each head's reduction is PyTorch's weighted mean over that head's labelled rows:
/// loss_h = Σ_i w_h[y_i] · (−log softmax(z_i)[y_i]) / Σ_i w_h[y_i], where i runs over the rows whose label for
/// head h is not −1 (missing). A missing label is ignored by its head only. A batch in which a head has no
/// labels contributes exactly 0 for that head.
/// </para>
/// <para>
/// <see cref="Compute"/> evaluates all heads with a few batched operations on the [batch, ΣK] logits, using
/// nll = log Σ_c exp(z_c − m_h) − (z_y − m_h): each head's maximum m_h (a stability shift, without gradient)
/// is taken over its columns, exp(z − m) is summed per head by one multiply with a [ΣK, heads] 0/1
/// head-membership matrix, and the target logits and per-head weights w_h[y] are gathered at once. This
/// avoids libtorch's log-softmax over a tiny last dimension, which is slow on CPU. <see cref="ComputeReference"/>
/// is the plain per-head loop with log-softmax, kept as the readable definition; both agree to rounding. One difference: a NaN or infinite logit
/// in one head makes every head's fused result non-finite (the per-head sums share one multiply, and 0 · NaN is
/// NaN), while the reference confines it to that head; the trainer uses the reference to name the faulty head.
/// </para>
/// </remarks>
public sealed class MultiHeadLoss : IDisposable
{
    private readonly int[] _classCounts;
    private readonly Tensor[] _headWeights;
    private readonly Tensor _columnWeights;
    private readonly Tensor _lossMultipliers;
    private readonly Tensor? _gatherIndex;
    private readonly Tensor _headOffsets;
    private readonly Tensor _columnHeads;
    private readonly Tensor _headMembership;
    private readonly Tensor _classCountRow;
    private readonly int _maxClasses;
    private readonly int _totalClasses;

    /// <summary>Creates the loss.</summary>
    /// <param name="heads">The heads, in output order.</param>
    /// <param name="classWeights">Per-head class weights keyed by head name (K positive finite values each).</param>
    /// <param name="device">Where the weight tensors live; the logits must be there too.</param>
    /// <exception cref="ArgumentException">A head's weights are missing, of the wrong length, or not positive finite.</exception>
    public MultiHeadLoss(IReadOnlyList<HeadDefinition> heads, IReadOnlyDictionary<string, float[]> classWeights, Device? device = null)
    {
        HeadDefinition.ValidateSet(heads);
        ArgumentNullException.ThrowIfNull(classWeights);
        float[][] weights = CheckedWeightsInHeadOrder(heads, classWeights);
        device ??= CPU;
        Heads = [.. heads];
        _classCounts = [.. heads.Select(h => h.ClassCount)];
        _maxClasses = _classCounts.Max();
        _totalClasses = _classCounts.Sum();
        long[] offsets = HeadOffsets(_classCounts);
        var (columnWeights, columnHeads, membership) = ColumnLayout(weights, offsets, _totalClasses);
        long[]? gatherIndex = PaddedGatherIndex(_classCounts, _maxClasses, _totalClasses);

        _headWeights = [.. weights.Select(w => tensor(w, device: device))];
        _columnWeights = tensor(columnWeights, device: device);
        _columnHeads = tensor(columnHeads, device: device);
        _headMembership = tensor(membership, [_totalClasses, heads.Count], device: device);
        _lossMultipliers = tensor(heads.Select(h => (float)h.LossWeight).ToArray(), device: device);
        _headOffsets = tensor(offsets, [1, heads.Count], device: device);
        _classCountRow = tensor(_classCounts.Select(k => (long)k).ToArray(), [1, heads.Count], device: device);
        _gatherIndex = gatherIndex is null ? null : tensor(gatherIndex, device: device);
    }

    /// <summary>The heads, in output order.</summary>
    public IReadOnlyList<HeadDefinition> Heads { get; }

    /// <summary>[heads] loss multipliers λ on the loss's device.</summary>
    internal Tensor LossMultipliers => _lossMultipliers;

    /// <summary>Computes the total and per-head losses of a batch.</summary>
    /// <param name="logits">[batch, ΣK] logits in head order, as returned by the network.</param>
    /// <param name="labels">[batch, heads] int64 labels, −1 for missing.</param>
    /// <returns>The total (scalar) and per-head ([heads]) losses; differentiable.</returns>
    /// <exception cref="ArgumentException">The shapes or dtype are wrong, or a label is outside −1..K−1 (the message names its row and head).</exception>
    public MultiHeadLossResult Compute(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var (numerator, denominator) = WeightedSums(logits, labels);
        var perHead = numerator / where(denominator > 0, denominator, ones_like(denominator));
        var total = (perHead * _lossMultipliers).sum();
        return new MultiHeadLossResult(total.MoveToOuterDisposeScope(), perHead.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Per head, the weighted NLL sum Σ w[y]·nll and the weight sum Σ w[y] over labelled rows, so that losses over
    /// several batches can be combined exactly (loss_h = Σ numerators / Σ denominators).
    /// </summary>
    /// <param name="logits">[batch, ΣK] logits in head order.</param>
    /// <param name="labels">[batch, heads] int64 labels, −1 for missing.</param>
    /// <returns>Two [heads] tensors.</returns>
    /// <exception cref="ArgumentException">The shapes or dtype are wrong, or a label is outside −1..K−1 (the message names its row and head).</exception>
    public (Tensor Numerator, Tensor Denominator) WeightedSums(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        CheckShapes(logits, labels);
        using var scope = NewDisposeScope();
        var targets = PrepareTargets(labels);
        var (numerator, denominator) = WeightedSums(logits, targets);
        return (numerator.MoveToOuterDisposeScope(), denominator.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The label-only part of the loss, computed once per dataset by the trainer: for each row and head, the
    /// column of the target logit in the [batch, ΣK] layout and its class weight (0 for a missing label).
    /// </summary>
    /// <param name="labels">[rows, heads] int64 labels, −1 for missing.</param>
    /// <returns>[rows, heads] int64 columns and [rows, heads] float32 weights.</returns>
    internal LossTargets PrepareTargets(Tensor labels)
    {
        using var scope = NewDisposeScope();
        var columns = labels.clamp_min(0) + _headOffsets;
        var weights = _columnWeights.take(columns) * labels.ge(0).to(_columnWeights.dtype);
        return new LossTargets(columns.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <summary><see cref="WeightedSums(Tensor, Tensor)"/> from prepared targets.</summary>
    internal (Tensor Numerator, Tensor Denominator) WeightedSums(Tensor logits, LossTargets targets)
    {
        using var scope = NewDisposeScope();
        long batch = logits.shape[0];
        int heads = _classCounts.Length;
        Tensor headMax;
        using (no_grad())
        {
            Tensor grouped = _gatherIndex is null
                ? logits.view(batch, heads, _maxClasses)
                : cat([logits, full([batch, 1], double.NegativeInfinity, dtype: logits.dtype, device: logits.device)], 1)
                    .index_select(1, _gatherIndex).view(batch, heads, _maxClasses);
            headMax = grouped.amax([2]);
        }

        var membership = logits.dtype == _headMembership.dtype ? _headMembership : _headMembership.to(logits.dtype);
        var weights = targets.Weights.dtype == logits.dtype ? targets.Weights : targets.Weights.to(logits.dtype);

        // Shifting before the gather keeps every term O(1), so large logits lose no precision.
        var shifted = logits - headMax.index_select(1, _columnHeads);
        var nll = shifted.exp().mm(membership).log() - shifted.gather(1, targets.Columns);
        var numerator = (weights * nll).sum(new long[] { 0 });
        var denominator = weights.sum(new long[] { 0 });
        return (numerator.MoveToOuterDisposeScope(), denominator.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The readable per-head definition: for each head, slice its logits, take the weighted mean cross-entropy
    /// over its labelled rows, and add λ_h times it. Same results as <see cref="Compute"/>.
    /// </summary>
    /// <param name="logits">[batch, ΣK] logits in head order.</param>
    /// <param name="labels">[batch, heads] int64 labels, −1 for missing.</param>
    /// <returns>The total and per-head losses.</returns>
    /// <exception cref="ArgumentException">The shapes or dtype are wrong, or a label is outside −1..K−1 (the message names its row and head).</exception>
    public MultiHeadLossResult ComputeReference(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        CheckShapes(logits, labels);
        using var scope = NewDisposeScope();
        var perHead = new Tensor[_classCounts.Length];
        long offset = 0;
        for (int h = 0; h < _classCounts.Length; h++)
        {
            var z = logits.narrow(1, offset, _classCounts[h]);
            offset += _classCounts[h];
            var y = labels.select(1, h);
            var mask = y.ge(0);
            var target = y.clamp_min(0);
            var nll = -z.log_softmax(1).gather(1, target.unsqueeze(1)).squeeze(1);
            var w = _headWeights[h].index_select(0, target) * mask.to(z.dtype);
            var denominator = w.sum();
            perHead[h] = (w * nll).sum() / where(denominator > 0, denominator, ones_like(denominator));
        }

        var stacked = stack(perHead);
        var total = (stacked * _lossMultipliers).sum();
        return new MultiHeadLossResult(total.MoveToOuterDisposeScope(), stacked.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var w in _headWeights)
        {
            w.Dispose();
        }

        _columnWeights.Dispose();
        _columnHeads.Dispose();
        _headMembership.Dispose();
        _classCountRow.Dispose();
        _lossMultipliers.Dispose();
        _gatherIndex?.Dispose();
        _headOffsets.Dispose();
    }

    /// <summary>
    /// Each head's class weights, in head order, after checking them; the first problem in head order, then class
    /// order, is reported. Checking everything before any tensor is created leaves nothing to dispose on failure.
    /// </summary>
    private static float[][] CheckedWeightsInHeadOrder(IReadOnlyList<HeadDefinition> heads, IReadOnlyDictionary<string, float[]> classWeights)
    {
        var weights = new float[heads.Count][];
        for (int h = 0; h < heads.Count; h++)
        {
            if (!classWeights.TryGetValue(heads[h].Name, out var w))
            {
                throw new ArgumentException($"No class weights were given for head '{heads[h].Name}'.", nameof(classWeights));
            }

            if (w.Length != heads[h].ClassCount)
            {
                throw new ArgumentException($"Head '{heads[h].Name}' has {heads[h].ClassCount} classes but {w.Length} class weights.", nameof(classWeights));
            }

            for (int c = 0; c < w.Length; c++)
            {
                if (!float.IsFinite(w[c]) || w[c] <= 0)
                {
                    throw new ArgumentException($"Head '{heads[h].Name}': class weight {c} is {w[c]}; class weights must be positive finite numbers.", nameof(classWeights));
                }
            }

            weights[h] = w;
        }

        return weights;
    }

    /// <summary>The column of each head's class 0 in the [batch, ΣK] layout: the class counts of the heads before it, summed.</summary>
    private static long[] HeadOffsets(int[] classCounts)
    {
        var offsets = new long[classCounts.Length];
        for (int h = 0; h + 1 < classCounts.Length; h++)
        {
            offsets[h + 1] = offsets[h] + classCounts[h];
        }

        return offsets;
    }

    /// <summary>
    /// Per column of the [batch, ΣK] layout: its class weight, its head, and the [ΣK, heads] 0/1 head-membership
    /// matrix (row-major) that sums exp(z − m) per head in one multiply.
    /// </summary>
    private static (float[] Weights, long[] Heads, float[] Membership) ColumnLayout(float[][] weights, long[] offsets, int totalClasses)
    {
        int heads = weights.Length;
        var columnWeights = new float[totalClasses];
        var columnHeads = new long[totalClasses];
        var membership = new float[totalClasses * heads];
        for (int h = 0; h < heads; h++)
        {
            for (int c = 0; c < weights[h].Length; c++)
            {
                long column = offsets[h] + c;
                columnWeights[column] = weights[h][c];
                columnHeads[column] = h;
                membership[column * heads + h] = 1;
            }
        }

        return (columnWeights, columnHeads, membership);
    }

    /// <summary>
    /// When the class counts differ: the column index into [logits | −∞] for each (head, class) slot of the padded
    /// [heads, K_max] layout, −∞ (column ΣK) filling the slots past a head's own classes. Null when every head has
    /// K_max classes and the logits can simply be viewed as [batch, heads, K_max].
    /// </summary>
    private static long[]? PaddedGatherIndex(int[] classCounts, int maxClasses, int totalClasses)
    {
        if (classCounts.All(k => k == maxClasses))
        {
            return null;
        }

        var index = new long[classCounts.Length * maxClasses];
        int offset = 0;
        for (int h = 0; h < classCounts.Length; h++)
        {
            for (int c = 0; c < maxClasses; c++)
            {
                index[h * maxClasses + c] = c < classCounts[h] ? offset + c : totalClasses;
            }

            offset += classCounts[h];
        }

        return index;
    }

    private void CheckShapes(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 2 || logits.shape[1] != _totalClasses)
        {
            throw new ArgumentException($"Logits must have shape [batch, {_totalClasses}] (the heads' class counts summed), but have [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        if (labels.dim() != 2 || labels.shape[0] != logits.shape[0] || labels.shape[1] != _classCounts.Length)
        {
            throw new ArgumentException($"Labels must have shape [{logits.shape[0]}, {_classCounts.Length}], but have [{string.Join(", ", labels.shape)}].", nameof(labels));
        }

        if (labels.dtype != int64)
        {
            throw new ArgumentException($"Labels must be int64, but are {labels.dtype}.", nameof(labels));
        }

        // Out-of-range labels would otherwise fail deep inside libtorch's gather, or index another head's column.
        using var scope = NewDisposeScope();
        var invalid = labels.lt(-1).logical_or(labels.ge(_classCountRow.to(labels.device)));
        if (invalid.any().item<bool>())
        {
            long[] first = invalid.nonzero()[0].cpu().data<long>().ToArray();
            long value = labels[first[0], first[1]].item<long>();
            var head = Heads[(int)first[1]];
            throw new ArgumentException($"Label {value} at row {first[0]} for head '{head.Name}' is outside -1..{head.ClassCount - 1} (-1 marks a missing label).", nameof(labels));
        }
    }
}
