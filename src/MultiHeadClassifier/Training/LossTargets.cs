using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// Labels turned into what the fused loss gathers: per row and head, the target logit's column in the
/// [batch, ΣK] layout and its class weight (0 for a missing label). See <see cref="MultiHeadLoss"/>.
/// </summary>
/// <param name="Columns">[rows, heads] int64 columns.</param>
/// <param name="Weights">[rows, heads] class weights times the label mask.</param>
internal readonly record struct LossTargets(Tensor Columns, Tensor Weights) : IDisposable
{
    /// <summary>The rows [start, start + count), as views.</summary>
    public LossTargets Narrow(long start, long count) => new(Columns.narrow(0, start, count), Weights.narrow(0, start, count));

    /// <summary>The rows in <paramref name="order"/>.</summary>
    public LossTargets Select(Tensor order) => new(Columns.index_select(0, order), Weights.index_select(0, order));

    /// <inheritdoc />
    public void Dispose()
    {
        Columns.Dispose();
        Weights.Dispose();
    }
}
