using System.Text;
using MultiHeadClassifier.Training.Optimization;

namespace MultiHeadClassifier.Training;

/// <summary>Maps the trainer's <see cref="OptimizerKind"/> setting to a flat optimizer.</summary>
internal static class OptimizerFactory
{
    /// <summary>The optimizer for a setting, over <paramref name="parameters"/>.</summary>
    public static FlatOptimizer Create(OptimizerKind kind, FlatParameters parameters, double learningRate, double weightDecay, double momentum) => kind switch
    {
        OptimizerKind.AdamW => new FlatAdam(parameters, learningRate, weightDecay, decoupledWeightDecay: true),
        OptimizerKind.Sgd => new FlatSgd(parameters, learningRate, weightDecay, momentum),
        _ => new FlatAdam(parameters, learningRate, weightDecay, decoupledWeightDecay: false),
    };

    /// <summary>
    /// Checks a state that the optimizer of <paramref name="kind"/> saved, allocating no tensor: its name, header and
    /// moments, each of exactly <paramref name="parameterCount"/> finite values, and nothing after them.
    /// </summary>
    /// <param name="kind">The optimizer the state must be of.</param>
    /// <param name="state">The state's bytes.</param>
    /// <param name="parameterCount">The model's trainable parameter count.</param>
    /// <returns>Null when the state fits; otherwise the first problem.</returns>
    public static string? FindStateProblem(OptimizerKind kind, byte[] state, long parameterCount)
    {
        using var reader = new BinaryReader(new MemoryStream(state, writable: false), Encoding.UTF8);
        try
        {
            string? problem = kind == OptimizerKind.Sgd
                ? FlatSgd.FindStateProblem(reader, state, parameterCount)
                : FlatAdam.FindStateProblem(reader, state, kind == OptimizerKind.AdamW, parameterCount);
            long left = state.Length - reader.BaseStream.Position;
            return problem ?? (left == 0 ? null : $"the optimizer state has {left:N0} bytes after its last tensor");
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or IOException)
        {
            return "the optimizer state ends early or is malformed";
        }
    }
}
