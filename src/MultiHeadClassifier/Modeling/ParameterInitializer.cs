using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// Re-initialises linear layers from a given generator with PyTorch's default scheme
/// (weights and biases uniform in ±1/√fan_in), so that a seed fixes the initial weights without touching
/// libtorch's global RNG.
/// </summary>
internal static class ParameterInitializer
{
    /// <summary>Re-initialises every linear layer and fused head layer of <paramref name="module"/> (itself included), in module order.</summary>
    public static void ResetLinearLayers(nn.Module module, Generator generator)
    {
        using var noGrad = no_grad();
        nn.Module[] layers = [module, .. module.named_modules().Select(m => m.module).Where(m => !ReferenceEquals(m, module))];
        foreach (var layer in layers)
        {
            if (layer is FusedHeadLayer heads)
            {
                heads.Reset(generator);
            }
            else if (layer is Linear linear)
            {
                double bound = 1.0 / Math.Sqrt(linear.weight.shape[1]);
                linear.weight.uniform_(-bound, bound, generator);
                linear.bias?.uniform_(-bound, bound, generator);
            }
        }
    }
}
