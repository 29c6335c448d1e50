using static TorchSharp.torch;

using MultiHeadClassifier.Internal;

namespace MultiHeadClassifier.Training;

/// <summary>
/// The fused weighted cross-entropy of a set of heads whose logits sit side by side in a [batch, ΣK] layout:
/// nll = log Σ_c exp(z_c − m_h) − (z_y − m_h), with each head's maximum m_h as a stability shift (no gradient),
/// exp(z − m) summed per head by one multiply with a [ΣK, heads] 0/1 membership matrix, and the target logits and
/// weights w[y] gathered at once. This avoids libtorch's log-softmax over a tiny last dimension, slow on CPU.
/// Owns its tensors.
/// </summary>
internal sealed class CrossEntropyTerms : IDisposable
{
    private readonly int[] _classCounts;
    private readonly Tensor _columnWeights;
    private readonly Tensor? _gatherIndex;
    private readonly Tensor _headOffsets;
    private readonly Tensor _columnHeads;
    private readonly Tensor _headMembership;
    private readonly int _maxClasses;
    private readonly float[] _hostColumnWeights;
    private readonly long[] _hostOffsets;

    /// <param name="weights">Each head's K class weights, in layout order.</param>
    /// <param name="device">Where the tensors live.</param>
    public CrossEntropyTerms(float[][] weights, Device device)
    {
        _classCounts = [.. weights.Select(w => w.Length)];
        _maxClasses = _classCounts.Max();
        int totalClasses = _classCounts.Sum();
        long[] offsets = HeadOffsets(_classCounts);
        var (columnWeights, columnHeads, membership) = ColumnLayout(weights, offsets, totalClasses);
        long[]? gatherIndex = PaddedGatherIndex(_classCounts, _maxClasses, totalClasses);
        _hostColumnWeights = columnWeights;
        _hostOffsets = offsets;
        _columnWeights = tensor(columnWeights, device: device);
        _columnHeads = tensor(columnHeads, device: device);
        _headMembership = tensor(membership, [totalClasses, weights.Length], device: device);
        _headOffsets = tensor(offsets, [1, weights.Length], device: device);
        _gatherIndex = gatherIndex is null ? null : tensor(gatherIndex, device: device);
    }

    /// <summary>Per row and head: the target logit's column and its class weight (0 for a missing label).</summary>
    /// <param name="labels">[rows, heads] int64 labels of these heads, −1 for missing.</param>
    public (Tensor Columns, Tensor Weights) Targets(Tensor labels)
    {
        using var scope = NewDisposeScope();
        var columns = labels.clamp_min(Scalars.Zero).add(_headOffsets, Scalars.One);
        var weights = _columnWeights.take(columns) * labels.ge(Scalars.Zero).to(_columnWeights.dtype);
        return (columns.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// <see cref="Targets"/> computed on the host from row-major labels, straight into the tensors' memory: the same
    /// values bit for bit (the column is max(y, 0) plus the head's offset; the weight is the column's weight times
    /// 1 or 0, the same float multiply as the tensor path), without a tensor operation per step.
    /// </summary>
    /// <param name="labels">Rows × heads labels of these heads, row-major, each in −1..K−1.</param>
    /// <param name="columns">Rows × heads target columns, filled.</param>
    /// <param name="weights">Rows × heads target weights, filled.</param>
    public void TargetsInto(ReadOnlySpan<int> labels, Span<long> columns, Span<float> weights)
    {
        int heads = _hostOffsets.Length;
        for (int i = 0; i < labels.Length; i++)
        {
            int y = labels[i];
            long column = Math.Max(y, 0) + _hostOffsets[i % heads];
            columns[i] = column;
            weights[i] = _hostColumnWeights[column] * (y >= 0 ? 1f : 0f);
        }
    }

    /// <summary>Per head, Σ w[y]·nll and Σ w[y] over the batch's labelled rows.</summary>
    /// <param name="logits">[batch, ΣK] logits of these heads.</param>
    /// <param name="columns">From <see cref="Targets"/>.</param>
    /// <param name="targetWeights">From <see cref="Targets"/>.</param>
    public (Tensor Numerator, Tensor Denominator) Sums(Tensor logits, Tensor columns, Tensor targetWeights)
    {
        using var scope = NewDisposeScope();
        long batch = logits.shape[0];
        Tensor headMax;
        using (no_grad())
        {
            Tensor grouped = _gatherIndex is null
                ? logits.view(batch, _classCounts.Length, _maxClasses)
                : cat([logits, full([batch, 1], Scalars.NegativeInfinity, dtype: logits.dtype, device: logits.device)], 1)
                    .index_select(1, _gatherIndex).view(batch, _classCounts.Length, _maxClasses);
            headMax = grouped.amax([2]);
        }

        var membership = logits.dtype == _headMembership.dtype ? _headMembership : _headMembership.to(logits.dtype);
        var weights = targetWeights.dtype == logits.dtype ? targetWeights : targetWeights.to(logits.dtype);

        // Shifting before the gather keeps every term O(1), so large logits lose no precision.
        var shifted = logits - headMax.index_select(1, _columnHeads);
        var nll = shifted.exp().mm(membership).log() - shifted.gather(1, columns);
        var numerator = (weights * nll).sum(new long[] { 0 });
        var denominator = weights.sum(new long[] { 0 });
        return (numerator.MoveToOuterDisposeScope(), denominator.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _columnWeights.Dispose();
        _columnHeads.Dispose();
        _headMembership.Dispose();
        _gatherIndex?.Dispose();
        _headOffsets.Dispose();
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
}
