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

    /// <summary>The exporter of a head. Every head is a cross-entropy head today.</summary>
    public static HeadOutput For(HeadDefinition head) => new CrossEntropyHeadOutput(head);

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
