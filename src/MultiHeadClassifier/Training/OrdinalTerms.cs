using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// The fused weighted binary tasks of the CORN and CORAL heads (see <see cref="HeadLoss"/>), whose K−1 threshold
/// outputs sit side by side in a [batch, ΣO] layout. Per output column j (head h, threshold k) and row i, the
/// row's task weight c_ij = w_h[y_i] when it enters the task (CORAL: every labelled row; CORN: rows with y ≥ k),
/// else 0, and the target t_ij = 1[y_i &gt; k]; BCE = max(z, 0) − t·z + log(1 + e^−|z|). Per head, the numerator
/// is Σ c·BCE and the denominator Σ c (CORN: the weighted mean over entered pairs) or Σ c / (K−1) (CORAL: per
/// row the sum over tasks, then the weighted mean over rows); both are summed per head with one multiply by a
/// [ΣO, heads] membership matrix. Owns its tensors.
/// </summary>
internal sealed class OrdinalTerms : IDisposable
{
    private readonly Tensor _columnHead;
    private readonly Tensor _threshold;
    private readonly Tensor _allRowsEnter;
    private readonly Tensor _weightOffset;
    private readonly Tensor _flatWeights;
    private readonly Tensor _membership;
    private readonly Tensor _denominatorScale;

    /// <param name="heads">The ordinal heads, in layout order, with their index among all heads.</param>
    /// <param name="weights">Each of these heads' K class weights.</param>
    /// <param name="headCount">The number of heads in the model (the membership matrix maps to all of them).</param>
    /// <param name="device">Where the tensors live.</param>
    public OrdinalTerms(IReadOnlyList<(HeadDefinition Head, int Index)> heads, float[][] weights, int headCount, Device device)
    {
        var columnHead = new List<long>();
        var threshold = new List<long>();
        var allRowsEnter = new List<float>();
        var weightOffset = new List<long>();
        var scale = new List<float>();
        long offset = 0;
        for (int i = 0; i < heads.Count; i++)
        {
            var (head, index) = heads[i];
            for (int k = 0; k < head.OutputCount; k++)
            {
                columnHead.Add(index);
                threshold.Add(k);
                allRowsEnter.Add(head.Loss == HeadLoss.Coral ? 1 : 0);
                weightOffset.Add(offset);
                scale.Add(head.Loss == HeadLoss.Coral ? 1f / head.OutputCount : 1f);
            }

            offset += head.ClassCount;
        }

        int columns = columnHead.Count;
        var membership = new float[columns * headCount];
        for (int j = 0; j < columns; j++)
        {
            membership[j * headCount + columnHead[j]] = 1;
        }

        _columnHead = tensor(columnHead.ToArray(), device: device);
        _threshold = tensor(threshold.ToArray(), [1, columns], device: device);
        _allRowsEnter = tensor(allRowsEnter.ToArray(), [1, columns], device: device);
        _weightOffset = tensor(weightOffset.ToArray(), [1, columns], device: device);
        _flatWeights = tensor(weights.SelectMany(w => w).ToArray(), device: device);
        _membership = tensor(membership, [columns, headCount], device: device);
        _denominatorScale = tensor(scale.ToArray(), device: device);
    }

    /// <summary>Per row and threshold output: the row's weight in that task (0 when it does not enter it) and the 0/1 target.</summary>
    /// <param name="labels">[rows, all heads] int64 labels, −1 for missing.</param>
    public (Tensor TaskWeights, Tensor TaskTargets) Targets(Tensor labels)
    {
        using var scope = NewDisposeScope();
        var y = labels.index_select(1, _columnHead);
        var labelled = y.ge(Scalars.Zero).to(float32);
        var enters = labelled * maximum(y.ge(_threshold).to(float32), _allRowsEnter);
        var weights = _flatWeights.take(y.clamp_min(Scalars.Zero).add(_weightOffset, Scalars.One)) * enters;
        var targets = y.gt(_threshold).to(float32);
        return (weights.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    /// <summary>Per head of the whole model (0 for heads that are not ordinal): Σ c·BCE and the normaliser.</summary>
    /// <param name="outputs">[batch, ordinal outputs] threshold outputs.</param>
    /// <param name="taskWeights">From <see cref="Targets"/>.</param>
    /// <param name="taskTargets">From <see cref="Targets"/>.</param>
    public (Tensor Numerator, Tensor Denominator) Sums(Tensor outputs, Tensor taskWeights, Tensor taskTargets)
    {
        using var scope = NewDisposeScope();
        var c = taskWeights.dtype == outputs.dtype ? taskWeights : taskWeights.to(outputs.dtype);
        var t = taskTargets.dtype == outputs.dtype ? taskTargets : taskTargets.to(outputs.dtype);
        var membership = _membership.dtype == outputs.dtype ? _membership : _membership.to(outputs.dtype);
        var bce = (outputs.relu() - (t * outputs)).add(outputs.abs().neg().exp().log1p(), Scalars.One);
        var numerator = (c * bce).sum(new long[] { 0 }).unsqueeze(0).mm(membership).squeeze(0);
        var denominator = (c.sum(new long[] { 0 }) * _denominatorScale.to(outputs.dtype)).unsqueeze(0).mm(membership).squeeze(0);
        return (numerator.MoveToOuterDisposeScope(), denominator.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _columnHead.Dispose();
        _threshold.Dispose();
        _allRowsEnter.Dispose();
        _weightOffset.Dispose();
        _flatWeights.Dispose();
        _membership.Dispose();
        _denominatorScale.Dispose();
    }
}
