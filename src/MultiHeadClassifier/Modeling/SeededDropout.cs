using TorchSharp;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>Inverted dropout that draws its mask from a <see cref="RandomSource"/> instead of the global RNG.</summary>
/// <remarks>
/// The drop probability p and the keep probability 1−p are <see cref="Scalar"/> fields, not implicit conversions: a temporary
/// Scalar's finalizer may free its native handle while libtorch still reads it (see <c>Internal.Scalars</c>); that
/// crashed a long quality run here with "Unknown scalar type" in <c>ge_</c>.
/// </remarks>
internal sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _probability;
    private readonly RandomSource _random;
    private readonly Scalar _probabilityScalar;
    private readonly Scalar _keepProbability;

    public SeededDropout(double probability, RandomSource random)
        : base(nameof(SeededDropout))
    {
        _probability = probability;
        _random = random;
        _probabilityScalar = probability.ToScalar();
        _keepProbability = (1 - probability).ToScalar();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _probability == 0)
        {
            return input.alias();
        }

        using var scope = NewDisposeScope();
        var keep = rand(input.shape, dtype: input.dtype, device: input.device, generator: _random.Generator).ge_(_probabilityScalar);
        return (input * keep / _keepProbability).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _probabilityScalar.Dispose();
            _keepProbability.Dispose();
        }

        base.Dispose(disposing);
    }
}
