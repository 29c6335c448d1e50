using MultiHeadClassifier.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Export;

/// <summary>
/// Translates a backbone into ONNX nodes, module by module, in eval-mode semantics (what <c>Predict</c> runs):
/// dropout is the identity and batch normalisation uses its running statistics.
/// </summary>
/// <remarks>
/// Supported: the built-in MLP backbone, <see cref="Sequential"/> (exactly that type: a subclass may override
/// <c>forward</c>), <see cref="Linear"/>, <see cref="ReLU"/>, <see cref="GELU"/> (exact or tanh approximation),
/// <see cref="Tanh"/>, <see cref="Sigmoid"/>, <see cref="SiLU"/>, <see cref="LayerNorm"/> over the last
/// dimension, <see cref="BatchNorm1d"/> with running statistics, <see cref="Dropout"/> and <see cref="Identity"/>.
/// Opset 17 has no GELU operator, so GELU is written out with <c>Erf</c> (or <c>Tanh</c>). Anything else is a
/// <see cref="NotSupportedException"/> naming the module's type and its path in the model.
/// </remarks>
internal static class BackboneExport
{
    private const string Supported = "Sequential, Linear, ReLU, GELU, Tanh, Sigmoid, SiLU, LayerNorm, BatchNorm1d (with running statistics), Dropout and Identity";

    /// <summary>Emits <paramref name="module"/> applied to <paramref name="input"/> and returns its output's name.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="module">The module.</param>
    /// <param name="path">The module's path in the model, as in state-dict keys (e.g. <c>backbone.layers.0</c>).</param>
    /// <param name="input">The name of the module's input value.</param>
    /// <param name="scope">A prefix for value names (an ensemble member's, or empty).</param>
    /// <exception cref="NotSupportedException">The module, or one inside it, has no ONNX translation.</exception>
    public static string Emit(OnnxGraph graph, nn.Module module, string path, string input, string scope)
    {
        string hint = scope + path;
        switch (module)
        {
            case MlpBackbone:
            case Sequential when module.GetType() == typeof(Sequential):
                foreach (var (name, child) in module.named_children())
                {
                    input = Emit(graph, child, $"{path}.{name}", input, scope);
                }

                return input;
            case Linear linear:
                return EmitLinear(graph, linear, hint, input);
            case ReLU:
                return graph.Node("Relu", [input], hint);
            case Tanh:
                return graph.Node("Tanh", [input], hint);
            case Sigmoid:
                return graph.Node("Sigmoid", [input], hint);
            case SiLU:
                return graph.Node("Mul", [input, graph.Node("Sigmoid", [input], hint + ".sigmoid")], hint);
            case GELU gelu:
                return EmitGelu(graph, gelu, hint, input);
            case LayerNorm norm:
                return EmitLayerNorm(graph, norm, path, hint, input);
            case BatchNorm1d norm:
                return EmitBatchNorm(graph, norm, path, hint, input);
            case Dropout or Identity or SeededDropout:
                return input;
            default:
                throw new NotSupportedException(
                    $"The module at '{path}' is a {module.GetType().FullName}, which cannot be exported to ONNX; "
                    + $"a custom backbone exports when it is built only from {Supported}.");
        }
    }

    /// <summary>Emits y = x Wᵀ + b as one Gemm.</summary>
    public static string EmitLinear(OnnxGraph graph, Linear linear, string hint, string input)
    {
        var weight = linear.weight;
        string w = graph.Constant(hint + ".weight", Values(weight), weight.shape);
        var inputs = new List<string> { input, w };
        if (linear.bias is { } bias)
        {
            inputs.Add(graph.Constant(hint + ".bias", Values(bias), bias.shape));
        }

        return graph.Node("Gemm", inputs, hint, OnnxGraph.Attribute("transB", 1L));
    }

    /// <summary>A tensor's values as float32, row-major, on the CPU.</summary>
    public static float[] Values(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return tensor.detach().to(float32).cpu().contiguous().data<float>().ToArray();
    }

    private static string EmitGelu(OnnxGraph graph, GELU gelu, string hint, string x)
    {
        string half = graph.Scalar(hint + ".half", 0.5f);
        string one = graph.Scalar(hint + ".one", 1f);
        string inner;
        if (gelu.approximate == GELU.Approximate.tanh)
        {
            // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
            string cube = graph.Node("Mul", [x, graph.Node("Mul", [x, x], hint + ".square")], hint + ".cube");
            string sum = graph.Node("Add", [x, graph.Node("Mul", [cube, graph.Scalar(hint + ".coefficient", 0.044715f)], hint + ".scaled_cube")], hint + ".sum");
            inner = graph.Node("Tanh", [graph.Node("Mul", [sum, graph.Scalar(hint + ".sqrt_2_over_pi", (float)Math.Sqrt(2 / Math.PI))], hint + ".tanh_input")], hint + ".tanh");
        }
        else
        {
            // 0.5 x (1 + erf(x / √2))
            inner = graph.Node("Erf", [graph.Node("Div", [x, graph.Scalar(hint + ".sqrt2", (float)Math.Sqrt(2))], hint + ".erf_input")], hint + ".erf");
        }

        string gate = graph.Node("Mul", [graph.Node("Add", [inner, one], hint + ".one_plus"), half], hint + ".gate");
        return graph.Node("Mul", [x, gate], hint);
    }

    private static string EmitLayerNorm(OnnxGraph graph, LayerNorm norm, string path, string hint, string input)
    {
        if (norm.normalized_shape.Length != 1)
        {
            throw new NotSupportedException(
                $"The module at '{path}' is a {typeof(LayerNorm).FullName} over {norm.normalized_shape.Length} dimensions; only normalisation over the last dimension of [batch, width] can be exported to ONNX.");
        }

        long width = norm.normalized_shape[0];
        float[] scale = norm.elementwise_affine ? Values(norm.weight) : [.. Enumerable.Repeat(1f, (int)width)];
        float[] bias = norm.bias is { } b ? Values(b) : new float[width];
        return graph.Node(
            "LayerNormalization",
            [input, graph.Constant(hint + ".weight", scale, width), graph.Constant(hint + ".bias", bias, width)],
            hint,
            OnnxGraph.Attribute("axis", -1L),
            OnnxGraph.Attribute("epsilon", (float)norm.eps));
    }

    private static string EmitBatchNorm(OnnxGraph graph, BatchNorm1d norm, string path, string hint, string input)
    {
        if (norm.running_mean is not { } mean || norm.running_var is not { } variance)
        {
            throw new NotSupportedException(
                $"The module at '{path}' is a {typeof(BatchNorm1d).FullName} without running statistics (track_running_stats: false), which normalises with each batch's own statistics even in eval mode; it cannot be exported to ONNX.");
        }

        long width = norm.num_features;
        float[] scale = norm.affine ? Values(norm.weight) : [.. Enumerable.Repeat(1f, (int)width)];
        float[] bias = norm.affine && norm.bias is { } b ? Values(b) : new float[width];
        return graph.Node(
            "BatchNormalization",
            [
                input,
                graph.Constant(hint + ".weight", scale, width),
                graph.Constant(hint + ".bias", bias, width),
                graph.Constant(hint + ".running_mean", Values(mean), width),
                graph.Constant(hint + ".running_var", Values(variance), width),
            ],
            hint,
            OnnxGraph.Attribute("epsilon", (float)norm.eps));
    }
}
