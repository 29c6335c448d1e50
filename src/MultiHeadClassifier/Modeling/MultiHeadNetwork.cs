using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// A shared backbone feeding one linear head per category. <see cref="forward"/> runs the backbone once and
/// returns all heads' raw outputs side by side as one [batch, ΣO] tensor, in head order (O = K logits for a
/// cross-entropy head, K−1 for CORN and CORAL heads); <see cref="ForwardHeads"/> returns them by head name.
/// </summary>
/// <remarks>
/// <para>
/// All heads live in one fused layer: a weight with one row per independent output and a bias with one entry per
/// output. A cross-entropy or CORN head owns O rows of the weight, a CORAL head one row shared by its K−1 outputs,
/// and every head owns O entries of the bias (<see cref="HeadWeight"/> and <see cref="HeadBias"/> return a head's
/// part as views). No weight is shared between heads, but the forward pass is one matrix multiply and the
/// optimizer updates two tensors instead of 2N, which is what makes many small heads cheap.
/// </para>
/// <para>
/// State-dict keys: <c>backbone.…</c>, <c>heads.weight</c> ([rows, backbone width]) and <c>heads.bias</c> ([ΣO]);
/// without CORAL heads rows = ΣO and the layer is exactly a <c>Linear</c>.
/// </para>
/// </remarks>
public sealed class MultiHeadNetwork : nn.Module<Tensor, Tensor>
{
    // Component names are state-dict key prefixes (backbone.…, heads.weight, heads.bias), part of the model file format.
    private const string BackboneName = "backbone";
    private const string HeadsName = "heads";

    [ComponentName(Name = BackboneName)]
    private readonly nn.Module<Tensor, Tensor> _backbone;
    [ComponentName(Name = HeadsName)]
    private readonly FusedHeadLayer _heads;
    private readonly Dictionary<string, (long Offset, int Outputs, long Row, long Rows)> _slices;

    internal MultiHeadNetwork(nn.Module<Tensor, Tensor> backbone, int backboneOutputWidth, IReadOnlyList<HeadDefinition> headDefinitions)
        : base(nameof(MultiHeadNetwork))
    {
        _backbone = backbone;
        _heads = new FusedHeadLayer(backboneOutputWidth, headDefinitions);
        _slices = new Dictionary<string, (long, int, long, long)>(StringComparer.Ordinal);
        long offset = 0;
        long row = 0;
        foreach (var head in headDefinitions)
        {
            long rows = FusedHeadLayer.RowCount(head);
            _slices[head.Name] = (offset, head.OutputCount, row, rows);
            offset += head.OutputCount;
            row += rows;
        }

        HeadNames = [.. headDefinitions.Select(h => h.Name)];
        ClassCounts = [.. headDefinitions.Select(h => h.ClassCount)];
        OutputCounts = [.. headDefinitions.Select(h => h.OutputCount)];
        RegisterComponents();
    }

    /// <summary>Head names in output order.</summary>
    public IReadOnlyList<string> HeadNames { get; }

    /// <summary>Class counts in output order.</summary>
    public IReadOnlyList<int> ClassCounts { get; }

    /// <summary>Raw output counts in output order: K for cross-entropy heads, K−1 for CORN and CORAL heads.</summary>
    public IReadOnlyList<int> OutputCounts { get; }

    /// <summary>Runs the backbone once and all heads; returns [batch, ΣO] raw outputs in head order.</summary>
    /// <param name="input">[batch, features], already standardised.</param>
    /// <returns>The concatenated logits.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return _heads.forward(_backbone.forward(input)).MoveToOuterDisposeScope();
    }

    /// <summary>Head <paramref name="name"/>'s weight rows ([O, backbone width], or [1, backbone width] for a CORAL head): a view into the fused head layer.</summary>
    /// <param name="name">A head name.</param>
    /// <returns>A view sharing storage (and gradients) with the layer's weight; dispose it when done.</returns>
    /// <exception cref="KeyNotFoundException">There is no head of that name.</exception>
    public Tensor HeadWeight(string name)
    {
        var slice = SliceOf(name);
        return _heads.Weight.narrow(0, slice.Row, slice.Rows);
    }

    /// <summary>Head <paramref name="name"/>'s [O] bias: a view into the fused head layer.</summary>
    /// <param name="name">A head name.</param>
    /// <returns>A view sharing storage with the layer's bias; dispose it when done.</returns>
    /// <exception cref="KeyNotFoundException">There is no head of that name.</exception>
    public Tensor HeadBias(string name)
    {
        var slice = SliceOf(name);
        return _heads.Bias.narrow(0, slice.Offset, slice.Outputs);
    }

    /// <summary>Splits the concatenated outputs of <see cref="forward"/> into one [batch, O] view per head.</summary>
    /// <param name="logits">[batch, ΣO] raw outputs.</param>
    /// <returns>Views keyed by head name, in head order.</returns>
    public IReadOnlyDictionary<string, Tensor> SplitHeads(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var result = new Dictionary<string, Tensor>(HeadNames.Count, StringComparer.Ordinal);
        foreach (string name in HeadNames)
        {
            var (offset, outputs, _, _) = _slices[name];
            result[name] = logits.narrow(1, offset, outputs);
        }

        return result;
    }

    /// <summary>Runs the backbone once and returns every head's [batch, K] logits by name.</summary>
    /// <param name="input">[batch, features], already standardised.</param>
    /// <returns>Logits keyed by head name.</returns>
    public IReadOnlyDictionary<string, Tensor> ForwardHeads(Tensor input) => SplitHeads(forward(input));

    /// <summary>
    /// The state-dict declarations of a network, computed without creating one: the backbone's keys under
    /// <c>backbone.</c>, then <c>heads.weight</c> [rows, backbone width] and <c>heads.bias</c> [ΣO] (rows = ΣO
    /// without CORAL heads; a CORAL head has one row for its K−1 outputs).
    /// </summary>
    /// <param name="backbone">The backbone's declarations, keys relative to the backbone.</param>
    /// <param name="backboneOutputWidth">The backbone's output width.</param>
    /// <param name="heads">The heads.</param>
    /// <returns>Key, element type and shape of every parameter and buffer.</returns>
    internal static List<TensorSpec> StateDictSpecs(IEnumerable<TensorSpec> backbone, long backboneOutputWidth, IReadOnlyList<HeadDefinition> heads)
    {
        var dtype = get_default_dtype();
        long rows = heads.Sum(FusedHeadLayer.RowCount);
        long outputs = heads.Sum(h => (long)h.OutputCount);
        return
        [
            .. backbone.Select(s => s with { Name = $"{BackboneName}.{s.Name}" }),
            new($"{HeadsName}.weight", dtype, [rows, backboneOutputWidth]),
            new($"{HeadsName}.bias", dtype, [outputs]),
        ];
    }

    /// <summary>The fused head layer, for re-initialisation.</summary>
    internal FusedHeadLayer HeadLayer => _heads;

    private (long Offset, int Outputs, long Row, long Rows) SliceOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _slices.TryGetValue(name, out var slice)
            ? slice
            : throw new KeyNotFoundException($"There is no head named '{name}'; the heads are {string.Join(", ", HeadNames.Select(n => $"'{n}'"))}.");
    }
}
