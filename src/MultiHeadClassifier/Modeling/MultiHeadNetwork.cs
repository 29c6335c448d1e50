using MultiHeadClassifier.Heads;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// A shared backbone feeding one linear head per category. <see cref="forward"/> runs the backbone once and
/// returns all heads' logits side by side as one [batch, ΣK] tensor, in head order; <see cref="ForwardHeads"/>
/// returns them by head name. State-dict keys: <c>backbone.…</c> and <c>heads.&lt;name&gt;.weight</c> /
/// <c>heads.&lt;name&gt;.bias</c>.
/// </summary>
/// <remarks>
/// The heads stay separate <see cref="Linear"/> modules (readable keys, one per category), but the forward pass
/// concatenates their weights and runs a single matrix multiply for all heads, which is faster than one
/// multiply per head when heads are many or small.
/// </remarks>
public sealed class MultiHeadNetwork : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly ModuleDict<Linear> heads;
    private readonly Linear[] _headOrder;

    internal MultiHeadNetwork(nn.Module<Tensor, Tensor> backbone, int backboneOutputWidth, IReadOnlyList<HeadDefinition> headDefinitions)
        : base(nameof(MultiHeadNetwork))
    {
        this.backbone = backbone;
        heads = new ModuleDict<Linear>();
        foreach (var head in headDefinitions)
        {
            heads.Add(head.Name, nn.Linear(backboneOutputWidth, head.ClassCount));
        }

        _headOrder = [.. headDefinitions.Select(h => heads[h.Name])];
        HeadNames = [.. headDefinitions.Select(h => h.Name)];
        ClassCounts = [.. headDefinitions.Select(h => h.ClassCount)];
        RegisterComponents();
    }

    /// <summary>Head names in output order.</summary>
    public IReadOnlyList<string> HeadNames { get; }

    /// <summary>Class counts in output order.</summary>
    public IReadOnlyList<int> ClassCounts { get; }

    /// <summary>Runs the backbone once and all heads; returns [batch, ΣK] logits in head order.</summary>
    /// <param name="input">[batch, features], already standardised.</param>
    /// <returns>The concatenated logits.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var hidden = backbone.forward(input);
        Tensor result;
        if (_headOrder.Length == 1)
        {
            result = _headOrder[0].forward(hidden);
        }
        else
        {
            var weight = cat(_headOrder.Select(l => (Tensor)l.weight!).ToArray(), 0);
            var bias = cat(_headOrder.Select(l => (Tensor)l.bias!).ToArray(), 0);
            result = addmm(bias, hidden, weight.t(), beta: 1, alpha: 1);
        }

        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Splits the concatenated logits of <see cref="forward"/> into one [batch, K] view per head.</summary>
    /// <param name="logits">[batch, ΣK] logits.</param>
    /// <returns>Views keyed by head name, in head order.</returns>
    public IReadOnlyDictionary<string, Tensor> SplitHeads(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var result = new Dictionary<string, Tensor>(HeadNames.Count, StringComparer.Ordinal);
        long offset = 0;
        for (int h = 0; h < HeadNames.Count; h++)
        {
            result[HeadNames[h]] = logits.narrow(1, offset, ClassCounts[h]);
            offset += ClassCounts[h];
        }

        return result;
    }

    /// <summary>Runs the backbone once and returns every head's [batch, K] logits by name.</summary>
    /// <param name="input">[batch, features], already standardised.</param>
    /// <returns>Logits keyed by head name.</returns>
    public IReadOnlyDictionary<string, Tensor> ForwardHeads(Tensor input) => SplitHeads(forward(input));
}
