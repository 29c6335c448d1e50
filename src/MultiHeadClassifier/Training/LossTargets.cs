using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// Labels turned into what the fused loss needs, computed once per dataset (see <see cref="MultiHeadLoss"/>):
/// for the cross-entropy heads, per row and head the target logit's column and its class weight (0 for a missing
/// label); for the CORN and CORAL heads, per row and threshold output the weight the row carries in that binary
/// task (0 when it does not enter it) and the task's 0/1 target.
/// </summary>
/// <param name="Columns">[rows, CE heads] int64 columns, or null without cross-entropy heads.</param>
/// <param name="Weights">[rows, CE heads] class weights times the label mask, or null without cross-entropy heads.</param>
/// <param name="TaskWeights">[rows, ordinal outputs] w[y] where the row enters the task, else 0; or null without ordinal heads.</param>
/// <param name="TaskTargets">[rows, ordinal outputs] 1 where y &gt; k, else 0; or null without ordinal heads.</param>
internal readonly record struct LossTargets(Tensor? Columns, Tensor? Weights, Tensor? TaskWeights, Tensor? TaskTargets) : IDisposable
{
    private IEnumerable<Tensor> All => new[] { Columns, Weights, TaskWeights, TaskTargets }.OfType<Tensor>();

    /// <summary>The rows [start, start + count), as views.</summary>
    public LossTargets Narrow(long start, long count) => Map(t => t.narrow(0, start, count));

    /// <summary>The rows in <paramref name="order"/>.</summary>
    public LossTargets Select(Tensor order) => Map(t => t.index_select(0, order));

    /// <summary>Detaches every tensor from the current dispose scope, for targets that outlive it.</summary>
    public LossTargets DetachFromDisposeScope()
    {
        foreach (var tensor in All)
        {
            tensor.DetachFromDisposeScope();
        }

        return this;
    }

    /// <summary>Moves every tensor to the enclosing dispose scope.</summary>
    public LossTargets MoveToOuterDisposeScope()
    {
        foreach (var tensor in All)
        {
            tensor.MoveToOuterDisposeScope();
        }

        return this;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in All)
        {
            tensor.Dispose();
        }
    }

    private LossTargets Map(Func<Tensor, Tensor> f) =>
        new(Columns is null ? null : f(Columns), Weights is null ? null : f(Weights), TaskWeights is null ? null : f(TaskWeights), TaskTargets is null ? null : f(TaskTargets));
}
