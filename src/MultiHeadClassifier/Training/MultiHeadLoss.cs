using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// The sum of the heads' class-weighted losses: total = Σ_h λ_h · loss_h, each head with its own
/// <see cref="HeadLoss"/>. Owns its weight tensors; dispose it when done. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// A cross-entropy head's reduction is PyTorch's weighted mean over that head's labelled rows:
/// loss_h = Σ_i w_h[y_i] · (−log softmax(z_i)[y_i]) / Σ_i w_h[y_i], where i runs over the rows whose label for
/// head h is not −1 (missing). CORN and CORAL heads use the normalisations documented on <see cref="HeadLoss"/>.
/// A missing label is ignored by its head only. A batch in which a head has no labels contributes exactly 0 for
/// that head.
/// </para>
/// <para>
/// <see cref="Compute"/> evaluates all heads with a few batched operations on the [batch, ΣO] outputs: one fused
/// pass for the cross-entropy heads (per-head log-sum-exp with a membership multiply) and one for the ordinal
/// heads (every binary task at once), each summed per head by one multiply; there is no per-head loop.
/// <see cref="ComputeReference"/> is the plain per-head (and per-task) loop with libtorch's log-softmax and
/// binary cross-entropy, kept as the readable definition; both agree to rounding. One difference: a NaN or
/// infinite output in one head makes every head's fused result non-finite (the per-head sums share one multiply,
/// and 0 · NaN is NaN), while the reference confines it to that head; the trainer uses the reference to name the
/// faulty head.
/// </para>
/// </remarks>
public sealed class MultiHeadLoss : IDisposable
{
    private readonly int[] _classCounts;
    private readonly int[] _outputCounts;
    private readonly Tensor[] _headWeights;
    private readonly Tensor _lossMultipliers;
    private readonly Tensor _classCountRow;
    private readonly int _totalOutputs;
    private readonly CrossEntropyTerms? _crossEntropy;
    private readonly Tensor? _crossEntropyHeads;
    private readonly Tensor? _crossEntropyColumns;
    private readonly Tensor? _crossEntropyToAll;
    private readonly OrdinalTerms? _ordinal;
    private readonly Tensor? _ordinalColumns;

    /// <summary>Creates the loss.</summary>
    /// <param name="heads">The heads, in output order.</param>
    /// <param name="classWeights">Per-head class weights keyed by head name (K positive finite values each).</param>
    /// <param name="device">Where the weight tensors live; the outputs must be there too.</param>
    /// <exception cref="ArgumentException">A head's weights are missing, of the wrong length, or not positive finite.</exception>
    public MultiHeadLoss(IReadOnlyList<HeadDefinition> heads, IReadOnlyDictionary<string, float[]> classWeights, Device? device = null)
    {
        HeadDefinition.ValidateSet(heads);
        ArgumentNullException.ThrowIfNull(classWeights);
        float[][] weights = CheckedWeightsInHeadOrder(heads, classWeights);
        device ??= CPU;
        Heads = [.. heads];
        _classCounts = [.. heads.Select(h => h.ClassCount)];
        _outputCounts = [.. heads.Select(h => h.OutputCount)];
        _totalOutputs = _outputCounts.Sum();
        var layout = OutputLayout.Of(heads);
        _headWeights = [.. weights.Select(w => tensor(w, device: device))];
        _lossMultipliers = tensor(heads.Select(h => (float)h.LossWeight).ToArray(), device: device);
        _classCountRow = tensor(_classCounts.Select(k => (long)k).ToArray(), [1, heads.Count], device: device);
        if (layout.CrossEntropyHeads.Length > 0)
        {
            _crossEntropy = new CrossEntropyTerms([.. layout.CrossEntropyHeads.Select(h => weights[h])], device);
            if (layout.CrossEntropyHeads.Length < heads.Count)
            {
                _crossEntropyHeads = tensor(layout.CrossEntropyHeads.Select(h => (long)h).ToArray(), device: device);
                _crossEntropyColumns = tensor(layout.CrossEntropyColumns, device: device);
                _crossEntropyToAll = tensor(layout.CrossEntropyToAll, [layout.CrossEntropyHeads.Length, heads.Count], device: device);
            }
        }

        if (layout.OrdinalHeads.Length > 0)
        {
            _ordinal = new OrdinalTerms([.. layout.OrdinalHeads.Select(h => (heads[h], h))], [.. layout.OrdinalHeads.Select(h => weights[h])], heads.Count, device);
            _ordinalColumns = layout.OrdinalHeads.Length < heads.Count ? tensor(layout.OrdinalColumns, device: device) : null;
        }
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
        var perHead = numerator / where(denominator.gt(Scalars.Zero), denominator, ones_like(denominator));
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
    /// The label-only part of the loss, computed once per dataset by the trainer (see <see cref="LossTargets"/>).
    /// </summary>
    /// <param name="labels">[rows, heads] int64 labels, −1 for missing.</param>
    /// <returns>The targets; the caller disposes them.</returns>
    internal LossTargets PrepareTargets(Tensor labels)
    {
        using var scope = NewDisposeScope();
        Tensor? columns = null, weights = null, taskWeights = null, taskTargets = null;
        if (_crossEntropy is not null)
        {
            (columns, weights) = _crossEntropy.Targets(_crossEntropyHeads is null ? labels : labels.index_select(1, _crossEntropyHeads));
        }

        if (_ordinal is not null)
        {
            (taskWeights, taskTargets) = _ordinal.Targets(labels);
        }

        return new LossTargets(columns, weights, taskWeights, taskTargets).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="PrepareTargets"/> from row-major host labels without a tensor operation, when every head is a
    /// cross-entropy head; the same values bit for bit. Returns false (and default targets) for other losses.
    /// </summary>
    /// <param name="labels">Rows × heads labels, row-major, each in −1..K−1 for its head.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="device">Where the targets go.</param>
    /// <param name="targets">The targets, in the current dispose scope.</param>
    /// <returns>Whether the targets were built.</returns>
    internal bool TryPrepareTargets(ReadOnlySpan<int> labels, int rows, Device device, out LossTargets targets)
    {
        if (_crossEntropy is null || _crossEntropyHeads is not null || _ordinal is not null)
        {
            targets = default;
            return false;
        }

        int heads = Heads.Count;
        var columns = empty([rows, heads], ScalarType.Int64, CPU);
        var weights = empty([rows, heads], ScalarType.Float32, CPU);
        _crossEntropy.TargetsInto(labels, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(columns.bytes), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(weights.bytes));
        targets = device.type == TorchSharp.DeviceType.CPU
            ? new LossTargets(columns, weights, null, null)
            : new LossTargets(columns.to(device), weights.to(device), null, null);
        return true;
    }

    /// <summary><see cref="WeightedSums(Tensor, Tensor)"/> from prepared targets.</summary>
    internal (Tensor Numerator, Tensor Denominator) WeightedSums(Tensor logits, LossTargets targets)
    {
        using var scope = NewDisposeScope();
        Tensor? numerator = null, denominator = null;
        if (_crossEntropy is not null)
        {
            var z = _crossEntropyColumns is null ? logits : logits.index_select(1, _crossEntropyColumns);
            (numerator, denominator) = _crossEntropy.Sums(z, targets.Columns!, targets.Weights!);
            if (_crossEntropyToAll is not null)
            {
                var toAll = _crossEntropyToAll.dtype == logits.dtype ? _crossEntropyToAll : _crossEntropyToAll.to(logits.dtype);
                numerator = numerator.unsqueeze(0).mm(toAll).squeeze(0);
                denominator = denominator.unsqueeze(0).mm(toAll).squeeze(0);
            }
        }

        if (_ordinal is not null)
        {
            var z = _ordinalColumns is null ? logits : logits.index_select(1, _ordinalColumns);
            var (ordinalNumerator, ordinalDenominator) = _ordinal.Sums(z, targets.TaskWeights!, targets.TaskTargets!);
            numerator = numerator is null ? ordinalNumerator : numerator.add(ordinalNumerator, Scalars.One);
            denominator = denominator is null ? ordinalDenominator : denominator.add(ordinalDenominator, Scalars.One);
        }

        return (numerator!.MoveToOuterDisposeScope(), denominator!.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The readable per-head definition: for each head, slice its outputs and take its weighted loss over its
    /// labelled rows — log-softmax cross-entropy, or per threshold task libtorch's binary cross-entropy with
    /// logits — and add λ_h times it. Same results as <see cref="Compute"/>.
    /// </summary>
    /// <param name="logits">[batch, ΣO] outputs in head order.</param>
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
            var z = logits.narrow(1, offset, _outputCounts[h]);
            offset += _outputCounts[h];
            var y = labels.select(1, h);
            var w = _headWeights[h].index_select(0, y.clamp_min(Scalars.Zero)) * y.ge(Scalars.Zero).to(z.dtype);
            var (numerator, denominator) = Heads[h].Loss == HeadLoss.CrossEntropy
                ? ReferenceCrossEntropy(z, y, w)
                : ReferenceOrdinal(z, y, w, Heads[h].Loss);
            perHead[h] = numerator / where(denominator.gt(Scalars.Zero), denominator, ones_like(denominator));
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

        _classCountRow.Dispose();
        _lossMultipliers.Dispose();
        _crossEntropy?.Dispose();
        _crossEntropyHeads?.Dispose();
        _crossEntropyColumns?.Dispose();
        _crossEntropyToAll?.Dispose();
        _ordinal?.Dispose();
        _ordinalColumns?.Dispose();
    }

    private static (Tensor Numerator, Tensor Denominator) ReferenceCrossEntropy(Tensor z, Tensor y, Tensor w)
    {
        var nll = -z.log_softmax(1).gather(1, y.clamp_min(Scalars.Zero).unsqueeze(1)).squeeze(1);
        return ((w * nll).sum(), w.sum());
    }

    private static (Tensor Numerator, Tensor Denominator) ReferenceOrdinal(Tensor z, Tensor y, Tensor w, HeadLoss kind)
    {
        var numerator = zeros([], dtype: z.dtype, device: z.device);
        var enteredWeight = zeros([], dtype: z.dtype, device: z.device);
        for (int k = 0; k < z.shape[1]; k++)
        {
            using var threshold = k.ToScalar();
            var enters = kind == HeadLoss.Corn ? y.ge(threshold).to(z.dtype) : ones_like(w);
            var target = y.gt(threshold).to(z.dtype);
            var bce = nn.functional.binary_cross_entropy_with_logits(z.select(1, k), target, reduction: nn.Reduction.None);
            numerator = numerator.add((w * enters * bce).sum(), Scalars.One);
            enteredWeight = enteredWeight.add((w * enters).sum(), Scalars.One);
        }

        return (numerator, kind == HeadLoss.Corn ? enteredWeight : w.sum());
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

    private void CheckShapes(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 2 || logits.shape[1] != _totalOutputs)
        {
            throw new ArgumentException($"Outputs must have shape [batch, {_totalOutputs}] (the heads' output counts summed: K for cross-entropy, K-1 for CORN and CORAL), but have [{string.Join(", ", logits.shape)}].", nameof(logits));
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
        var invalid = labels.lt(Scalars.MinusOne).logical_or(labels.ge(_classCountRow.to(labels.device)));
        if (invalid.any().item<bool>())
        {
            long[] first = invalid.nonzero()[0].cpu().data<long>().ToArray();
            long value = labels[first[0], first[1]].item<long>();
            var head = Heads[(int)first[1]];
            throw new ArgumentException($"Label {value} at row {first[0]} for head '{head.Name}' is outside -1..{head.ClassCount - 1} (-1 marks a missing label).", nameof(labels));
        }
    }
}
