using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// A shared backbone feeding one linear head per category. <see cref="forward"/> runs the backbone once and
/// returns all heads' logits side by side as one [batch, ΣK] tensor, in head order; <see cref="ForwardHeads"/>
/// returns them by head name.
/// </summary>
/// <remarks>
/// <para>
/// All heads live in one <see cref="Linear"/> layer of output width ΣK: head h owns rows
/// [offset_h, offset_h + K_h) of its weight and bias (<see cref="HeadWeight"/> and <see cref="HeadBias"/> return
/// those rows as views). Mathematically this is N independent heads — no weight is shared between heads — but the
/// forward pass is one matrix multiply and the optimizer updates two tensors instead of 2N, which is what makes
/// many small heads cheap.
/// </para>
/// <para>State-dict keys: <c>backbone.…</c>, <c>heads.weight</c> ([ΣK, backbone width]) and <c>heads.bias</c> ([ΣK]).</para>
/// </remarks>
public sealed class MultiHeadNetwork : nn.Module<Tensor, Tensor>
{
    // Component names are state-dict key prefixes (backbone.…, heads.weight, heads.bias), part of the model file format.
    private const string BackboneName = "backbone";
    private const string HeadsName = "heads";

    [ComponentName(Name = BackboneName)]
    private readonly nn.Module<Tensor, Tensor> _backbone;
    [ComponentName(Name = HeadsName)]
    private readonly Linear _heads;
    private readonly Dictionary<string, (long Offset, int Classes)> _slices;

    internal MultiHeadNetwork(nn.Module<Tensor, Tensor> backbone, int backboneOutputWidth, IReadOnlyList<HeadDefinition> headDefinitions)
        : base(nameof(MultiHeadNetwork))
    {
        _backbone = backbone;
        _heads = nn.Linear(backboneOutputWidth, headDefinitions.Sum(h => h.ClassCount));
        _slices = new Dictionary<string, (long, int)>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var head in headDefinitions)
        {
            _slices[head.Name] = (offset, head.ClassCount);
            offset += head.ClassCount;
        }

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
        return _heads.forward(_backbone.forward(input)).MoveToOuterDisposeScope();
    }

    /// <summary>Head <paramref name="name"/>'s [K, backbone width] weight: a view into the fused head layer.</summary>
    /// <param name="name">A head name.</param>
    /// <returns>A view sharing storage (and gradients) with the layer's weight; dispose it when done.</returns>
    /// <exception cref="KeyNotFoundException">There is no head of that name.</exception>
    public Tensor HeadWeight(string name) => Slice(_heads.weight!, name);

    /// <summary>Head <paramref name="name"/>'s [K] bias: a view into the fused head layer.</summary>
    /// <param name="name">A head name.</param>
    /// <returns>A view sharing storage with the layer's bias; dispose it when done.</returns>
    /// <exception cref="KeyNotFoundException">There is no head of that name.</exception>
    public Tensor HeadBias(string name) => Slice(_heads.bias!, name);

    /// <summary>Splits the concatenated logits of <see cref="forward"/> into one [batch, K] view per head.</summary>
    /// <param name="logits">[batch, ΣK] logits.</param>
    /// <returns>Views keyed by head name, in head order.</returns>
    public IReadOnlyDictionary<string, Tensor> SplitHeads(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var result = new Dictionary<string, Tensor>(HeadNames.Count, StringComparer.Ordinal);
        foreach (string name in HeadNames)
        {
            var (offset, classes) = _slices[name];
            result[name] = logits.narrow(1, offset, classes);
        }

        return result;
    }

    /// <summary>Runs the backbone once and returns every head's [batch, K] logits by name.</summary>
    /// <param name="input">[batch, features], already standardised.</param>
    /// <returns>Logits keyed by head name.</returns>
    public IReadOnlyDictionary<string, Tensor> ForwardHeads(Tensor input) => SplitHeads(forward(input));

    /// <summary>
    /// The state-dict declarations of a network, computed without creating one: the backbone's keys under
    /// <c>backbone.</c>, then <c>heads.weight</c> [ΣK, backbone width] and <c>heads.bias</c> [ΣK].
    /// </summary>
    /// <param name="backbone">The backbone's declarations, keys relative to the backbone.</param>
    /// <param name="backboneOutputWidth">The backbone's output width.</param>
    /// <param name="totalClasses">ΣK over the heads.</param>
    /// <returns>Key, element type and shape of every parameter and buffer.</returns>
    internal static List<TensorSpec> StateDictSpecs(IEnumerable<TensorSpec> backbone, long backboneOutputWidth, long totalClasses)
    {
        var dtype = get_default_dtype();
        return
        [
            .. backbone.Select(s => s with { Name = $"{BackboneName}.{s.Name}" }),
            new($"{HeadsName}.weight", dtype, [totalClasses, backboneOutputWidth]),
            new($"{HeadsName}.bias", dtype, [totalClasses]),
        ];
    }

    /// <summary>The fused head layer, for re-initialisation.</summary>
    internal Linear HeadLayer => _heads;

    private Tensor Slice(Tensor fused, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_slices.TryGetValue(name, out var slice))
        {
            throw new KeyNotFoundException($"There is no head named '{name}'; the heads are {string.Join(", ", HeadNames.Select(n => $"'{n}'"))}.");
        }

        return fused.narrow(0, slice.Offset, slice.Classes);
    }
}
