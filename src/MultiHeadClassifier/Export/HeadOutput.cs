using MultiHeadClassifier.Heads;

namespace MultiHeadClassifier.Export;

/// <summary>
/// How one kind of head turns into ONNX outputs: the width of its raw output and the nodes that make its
/// probabilities from that raw output after a correction. Adding a head kind (an ordinal CORN or CORAL head, say)
/// means adding a subclass and one case in <see cref="For"/>; the rest of the exporter does not change.
/// </summary>
internal abstract class HeadOutput
{
    protected HeadOutput(HeadDefinition head) => Head = head;

    public HeadDefinition Head { get; }

    /// <summary>The head kind's name, as written to the model's metadata.</summary>
    public abstract string Kind { get; }

    /// <summary>The number of columns of the head's raw output (its rows in the fused head layer).</summary>
    public abstract int RawWidth { get; }

    /// <summary>The exporter of a head, by its loss.</summary>
    public static HeadOutput For(HeadDefinition head) => head.Loss == HeadLoss.CrossEntropy
        ? new CrossEntropyHeadOutput(head)
        : new OrdinalHeadOutput(head);

    /// <summary>Emits the head's class probabilities after <paramref name="correction"/> and returns their value name.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="raw">The head's raw output [N, <see cref="RawWidth"/>].</param>
    /// <param name="correction">The correction to apply first.</param>
    /// <param name="output">The name the probabilities must have (already reserved).</param>
    /// <param name="hint">A prefix for the names of intermediate values.</param>
    public abstract void EmitProbabilities(OnnxGraph graph, string raw, HeadCorrection correction, string output, string hint);
}

/// <summary>A correction of one head's logits, as the library's <c>ModelCorrections.Apply</c> makes it.</summary>
/// <param name="LogitOffsets">Prior correction: −ln w_c added to logit c; null for none.</param>
/// <param name="Temperature">Temperature correction: the divisor of the (prior-corrected) logits; null for none.</param>
internal readonly record struct HeadCorrection(float[]? LogitOffsets, double? Temperature);

/// <summary>
/// A head trained with (class-weighted) cross-entropy: raw outputs are K logits, probabilities are
/// softmax((z + offsets) / T).
/// </summary>
internal sealed class CrossEntropyHeadOutput(HeadDefinition head) : HeadOutput(head)
{
    public override string Kind => "cross-entropy";

    public override int RawWidth => Head.ClassCount;

    public override void EmitProbabilities(OnnxGraph graph, string raw, HeadCorrection correction, string output, string hint)
    {
        string logits = raw;
        if (correction.LogitOffsets is { } offsets)
        {
            logits = graph.Node("Add", [logits, graph.Constant(hint + ".prior_offsets", offsets, offsets.Length)], hint + ".prior_corrected");
        }

        if (correction.Temperature is { } temperature)
        {
            logits = graph.Node("Div", [logits, graph.Scalar(hint + ".temperature", (float)temperature)], hint + ".temperature_corrected");
        }

        graph.Node("Softmax", [logits], [output], OnnxGraph.Attribute("axis", -1L));
    }
}

/// <summary>
/// A CORN or CORAL head: raw outputs are its K−1 threshold outputs. Probabilities follow the library's
/// <c>ModelCorrections</c>: the temperature divides the raw outputs; P(y &gt; k) is exp(CumSum(log σ(z))) for
/// CORN and σ(z_k) made non-increasing for CORAL (a ReduceMin over a masked [K−1, K−1] expansion: the minimum over
/// j ≤ k); class probabilities are c + P·A with p_0 = 1 − P_0, p_c = P_{c−1} − P_c, p_{K−1} = P_{K−2}; prior
/// correction then takes softmax(log max(p, 1e−12) − ln w).
/// </summary>
internal sealed class OrdinalHeadOutput(HeadDefinition head) : HeadOutput(head)
{
    public override string Kind => Head.Loss == HeadLoss.Corn ? "corn" : "coral";

    public override int RawWidth => Head.OutputCount;

    public override void EmitProbabilities(OnnxGraph graph, string raw, HeadCorrection correction, string output, string hint)
    {
        int t = Head.OutputCount;
        int k = Head.ClassCount;
        string z = correction.Temperature is { } temperature
            ? graph.Node("Div", [raw, graph.Scalar(hint + ".temperature", (float)temperature)], hint + ".temperature_corrected")
            : raw;
        string above = Head.Loss == HeadLoss.Corn ? CornAbove(graph, z, hint) : CoralAbove(graph, z, t, hint);

        // Differences of the cumulative probabilities as one affine map.
        var a = new float[t * k];
        for (int j = 0; j < t; j++)
        {
            a[(j * k) + j] = -1;
            a[(j * k) + j + 1] = 1;
        }

        var c = new float[k];
        c[0] = 1;
        string differences = graph.Node("MatMul", [above, graph.Constant(hint + ".differences", a, t, k)], hint + ".class_differences");
        if (correction.LogitOffsets is not { } offsets)
        {
            graph.Node("Add", [differences, graph.Constant(hint + ".first_class", c, k)], [output]);
            return;
        }

        string probabilities = graph.Node("Add", [differences, graph.Constant(hint + ".first_class", c, k)], hint + ".class_probabilities");
        string floored = graph.Node("Max", [probabilities, graph.Scalar(hint + ".floor", 1e-12f)], hint + ".floored");
        string logits = graph.Node("Log", [floored], hint + ".log_probabilities");
        string corrected = graph.Node("Add", [logits, graph.Constant(hint + ".prior_offsets", offsets, offsets.Length)], hint + ".prior_corrected");
        graph.Node("Softmax", [corrected], [output], OnnxGraph.Attribute("axis", -1L));
    }

    /// <summary>P(y &gt; k) = Π_{j≤k} σ(z_j) = exp(Σ_{j≤k} −softplus(−z_j)).</summary>
    private static string CornAbove(OnnxGraph graph, string z, string hint)
    {
        string negated = graph.Node("Neg", [z], hint + ".negated");
        string softplus = graph.Node("Softplus", [negated], hint + ".softplus");
        string logSigmoid = graph.Node("Neg", [softplus], hint + ".log_sigmoid");
        string cumulative = graph.Node("CumSum", [logSigmoid, graph.Int64Constant(hint + ".axis", [1L])], hint + ".cumulative_log");
        return graph.Node("Exp", [cumulative], hint + ".above");
    }

    /// <summary>P(y &gt; k) = min_{j≤k} σ(z_j): σ broadcast to [N, K−1, K−1] plus 2 where j &gt; k (σ ≤ 1), then ReduceMin over j.</summary>
    private static string CoralAbove(OnnxGraph graph, string z, int t, string hint)
    {
        string sigmoid = graph.Node("Sigmoid", [z], hint + ".sigmoid");
        string expanded = graph.Node("Unsqueeze", [sigmoid, graph.Int64Constant(hint + ".unsqueeze_axis", [1L])], hint + ".expanded");
        var mask = new float[t * t];
        for (int row = 0; row < t; row++)
        {
            for (int j = row + 1; j < t; j++)
            {
                mask[(row * t) + j] = 2;
            }
        }

        string masked = graph.Node("Add", [expanded, graph.Constant(hint + ".later_thresholds", mask, t, t)], hint + ".masked");
        return graph.Node("ReduceMin", [masked], hint + ".above", OnnxGraph.Attribute("axes", [2L]), OnnxGraph.Attribute("keepdims", 0L));
    }
}
