using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training.Optimization;

/// <summary>
/// Re-homes a module's trainable parameters into one contiguous buffer, and their gradients into another, so
/// that the optimizer update, the gradient norm and the gradient reset are a handful of operations on two flat
/// tensors instead of a handful per parameter. Each parameter becomes a view of <see cref="Values"/> (its values
/// are copied, not changed) and its gradient a view of <see cref="Gradients"/>, into which autograd accumulates
/// in place. Saving, loading and predicting see ordinary parameters.
/// </summary>
internal sealed class FlatParameters : IDisposable
{
    private readonly Parameter[] _parameters;

    public FlatParameters(IEnumerable<Parameter> parameters)
    {
        _parameters = Trainable(parameters);
        if (_parameters.Length == 0)
        {
            throw new ArgumentException("The model has no trainable parameters.", nameof(parameters));
        }

        var first = _parameters[0];
        if (_parameters.Any(p => p.dtype != first.dtype || p.device_type != first.device_type || p.device_index != first.device_index))
        {
            throw new ArgumentException(
                "All trainable parameters must share one dtype and device, but they are: "
                + string.Join(", ", _parameters.Select(p => $"{p.dtype} on {p.device}").Distinct()) + ".", nameof(parameters));
        }

        long total = _parameters.Sum(p => p.numel());
        Values = zeros(total, dtype: first.dtype, device: first.device);
        Gradients = zeros(total, dtype: first.dtype, device: first.device);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long offset = 0;
        foreach (var parameter in _parameters)
        {
            long count = parameter.numel();
            var values = Values.narrow(0, offset, count).view(parameter.shape);
            values.copy_(parameter);
            parameter.set_(values);
            parameter.grad = Gradients.narrow(0, offset, count).view(parameter.shape);
            offset += count;
        }
    }

    /// <summary>How many values the flat buffer of <paramref name="parameters"/> holds: the optimizer state's length per moment.</summary>
    /// <param name="parameters">A module's parameters.</param>
    /// <returns>The element count of the distinct trainable parameters.</returns>
    public static long CountTrainable(IEnumerable<Parameter> parameters) => Trainable(parameters).Sum(p => p.numel());

    /// <summary>All trainable values, flat.</summary>
    public Tensor Values { get; }

    /// <summary>All gradients, flat; autograd accumulates into it.</summary>
    public Tensor Gradients { get; }

    /// <summary>Sets every gradient to zero (one operation).</summary>
    public void ZeroGradients() => Gradients.zero_();

    /// <summary>The global L2 norm of the gradients.</summary>
    public double GradientNorm()
    {
        using var norm = Gradients.norm();
        return norm.item<float>();
    }

    /// <summary>Scales the gradients so that their global norm is at most <paramref name="maxNorm"/> (PyTorch's clip_grad_norm_ rule).</summary>
    /// <returns>The norm before clipping.</returns>
    public double ClipGradientNorm(double maxNorm)
    {
        double norm = GradientNorm();
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1)
        {
            using var scale = coefficient.ToScalar();
            Gradients.mul_(scale);
        }

        return norm;
    }

    private static Parameter[] Trainable(IEnumerable<Parameter> parameters) =>
        [.. parameters.Where(p => p.requires_grad).Distinct(ReferenceEqualityComparer.Instance).Cast<Parameter>()];

    /// <summary>Detaches the gradient views, so the gradient buffer is freed; the parameters keep their values.</summary>
    public void Dispose()
    {
        foreach (var parameter in _parameters)
        {
            parameter.grad = null;
        }

        Values.Dispose();
        Gradients.Dispose();
    }
}
