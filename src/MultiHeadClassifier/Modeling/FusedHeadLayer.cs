using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// Every head's output layer in one module: a weight with one row per independent output and a bias with one
/// entry per output. A cross-entropy head owns K rows and K biases, a CORN head K−1 rows and K−1 biases, and a
/// CORAL head one shared row and K−1 biases (its outputs are z_k = w·h + b_k). For a model without CORAL heads
/// the rows and outputs coincide and the layer is exactly a <c>Linear</c> of width ΣO.
/// </summary>
/// <remarks>State-dict keys: <c>weight</c> ([rows, width]) and <c>bias</c> ([ΣO]).</remarks>
internal sealed class FusedHeadLayer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;
    [ComponentName(Name = "bias")]
    private readonly Parameter _bias;
    private readonly ExpandIndex? _expand;

    public FusedHeadLayer(int width, IReadOnlyList<HeadDefinition> heads)
        : base(nameof(FusedHeadLayer))
    {
        var rowOfOutput = new List<long>();
        long row = 0;
        foreach (var head in heads)
        {
            for (int k = 0; k < head.OutputCount; k++)
            {
                rowOfOutput.Add(head.Loss == HeadLoss.Coral ? row : row + k);
            }

            row += head.Loss == HeadLoss.Coral ? 1 : head.OutputCount;
        }

        Rows = row;
        Outputs = rowOfOutput.Count;
        _expand = Rows == Outputs ? null : new ExpandIndex([.. rowOfOutput]);
        _weight = new Parameter(empty(Rows, width));
        _bias = new Parameter(empty(Outputs));
        Reset(null);
        RegisterComponents();
    }

    /// <summary>The number of weight rows.</summary>
    public long Rows { get; }

    /// <summary>The number of outputs, ΣO.</summary>
    public long Outputs { get; }

    /// <summary>The [rows, width] weight.</summary>
    public Parameter Weight => _weight;

    /// <summary>The [ΣO] bias.</summary>
    public Parameter Bias => _bias;

    /// <summary>The weight row of each output, or null when rows and outputs coincide (no CORAL heads).</summary>
    public long[]? RowOfOutput => _expand?.Rows;

    /// <summary>The number of weight rows a head owns: its output count, or one for a CORAL head.</summary>
    public static long RowCount(HeadDefinition head) => head.Loss == HeadLoss.Coral ? 1 : head.OutputCount;

    /// <summary>[batch, width] → [batch, ΣO].</summary>
    public override Tensor forward(Tensor input)
    {
        if (_expand is null)
        {
            return nn.functional.linear(input, _weight, _bias);
        }

        using var scope = NewDisposeScope();
        var rows = nn.functional.linear(input, _weight);
        return rows.index_select(1, _expand.On(rows.device)).add(_bias, Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>PyTorch's default Linear initialisation: weight and bias uniform in ±1/√width, from <paramref name="generator"/> or the global RNG.</summary>
    public void Reset(Generator? generator)
    {
        using var noGrad = no_grad();
        double bound = 1.0 / Math.Sqrt(_weight.shape[1]);
        _weight.uniform_(-bound, bound, generator);
        _bias.uniform_(-bound, bound, generator);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _expand?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The output → row index, kept out of the state dict and placed on the input's device on first use.</summary>
    private sealed class ExpandIndex(long[] rows) : IDisposable
    {
        private readonly Lock _lock = new();
        private Tensor? _tensor;

        public long[] Rows => rows;

        public Tensor On(Device device)
        {
            lock (_lock)
            {
                if (_tensor is null || _tensor.device != device)
                {
                    _tensor?.Dispose();
                    _tensor = tensor(rows, device: device).DetachFromDisposeScope();
                }

                return _tensor;
            }
        }

        public void Dispose() => _tensor?.Dispose();
    }
}
