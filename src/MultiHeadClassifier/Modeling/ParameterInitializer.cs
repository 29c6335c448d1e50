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
    public static void ResetLinearLayers(nn.Module module, Generator generator)
    {
        using var noGrad = no_grad();
        Linear[] layers = module is Linear self ? [self] : module.named_modules().Select(m => m.module).OfType<Linear>().ToArray();
        foreach (var linear in layers)
        {
            double bound = 1.0 / Math.Sqrt(linear.weight.shape[1]);
            linear.weight.uniform_(-bound, bound, generator);
            linear.bias?.uniform_(-bound, bound, generator);
        }
    }
}
