using TorchSharp;
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
        foreach (var (_, child) in module.named_modules())
        {
            if (child is Linear linear)
            {
                double bound = 1.0 / Math.Sqrt(linear.weight.shape[1]);
                linear.weight.uniform_(-bound, bound, generator);
                linear.bias?.uniform_(-bound, bound, generator);
            }
        }
    }
}
