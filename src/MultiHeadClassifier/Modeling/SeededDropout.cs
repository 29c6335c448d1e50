using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>Inverted dropout that draws its mask from a <see cref="RandomSource"/> instead of the global RNG.</summary>
internal sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _probability;
    private readonly RandomSource _random;

    public SeededDropout(double probability, RandomSource random)
        : base(nameof(SeededDropout))
    {
        _probability = probability;
        _random = random;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _probability == 0)
        {
            return input.alias();
        }

        using var scope = NewDisposeScope();
        var keep = rand(input.shape, dtype: input.dtype, device: input.device, generator: _random.Generator).ge_(_probability);
        return (input * keep / (1 - _probability)).MoveToOuterDisposeScope();
    }
}
