using static TorchSharp.torch;

using MultiHeadClassifier.Internal;
using TorchSharp;

namespace MultiHeadClassifier.Training.Optimization;

/// <summary>
/// Stochastic gradient descent with PyTorch's update: g ← g + λp (L2 weight decay); with momentum μ,
/// b ← g on the first step and b ← μb + g after; p ← p − lr·b.
/// </summary>
internal sealed class FlatSgd : FlatOptimizer
{
    private const string StateName = "Sgd";

    private readonly double _momentum;
    private readonly Tensor _buffer;
    private bool _hasBuffer;

    public FlatSgd(FlatParameters parameters, double learningRate, double weightDecay, double momentum)
        : base(parameters, learningRate, weightDecay)
    {
        _momentum = momentum;
        _buffer = zeros_like(parameters.Values);
    }

    /// <summary>
    /// Checks a state written by <see cref="Save"/>, allocating nothing: the name, a momentum flag of 0 or 1, and a
    /// momentum buffer of <paramref name="parameterCount"/> finite values.
    /// </summary>
    /// <param name="reader">A reader over <paramref name="state"/>, at its start.</param>
    /// <param name="state">The state.</param>
    /// <param name="parameterCount">The model's trainable parameter count.</param>
    /// <returns>Null when the state fits; otherwise the first problem.</returns>
    public static string? FindStateProblem(BinaryReader reader, ReadOnlySpan<byte> state, long parameterCount)
    {
        string? problem = CheckName(reader, StateName);
        if (problem is not null)
        {
            return problem;
        }

        byte hasBuffer = reader.ReadByte();
        return hasBuffer > 1
            ? $"the optimizer's momentum flag is {hasBuffer}, neither 0 nor 1"
            : CheckTensor(reader, state, parameterCount, "momentum buffer", nonNegative: false);
    }

    public override void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = Parameters.Values;
        var gradient = Parameters.Gradients;
        // Explicit scalars held by `using` (see FlatAdam.Step).
        using var decay = WeightDecay.ToScalar();
        using var momentum = _momentum.ToScalar();
        using var step = (-LearningRate).ToScalar();
        if (WeightDecay != 0)
        {
            gradient = gradient.add(values, alpha: decay);
        }

        if (_momentum != 0)
        {
            if (_hasBuffer)
            {
                _buffer.mul_(momentum).add_(gradient, Scalars.One);
            }
            else
            {
                _buffer.copy_(gradient);
                _hasBuffer = true;
            }

            gradient = _buffer;
        }

        values.add_(gradient, alpha: step);
    }

    public override void Save(BinaryWriter writer)
    {
        writer.Write(StateName);
        writer.Write(_hasBuffer);
        WriteTensor(writer, _buffer);
    }

    public override void Load(BinaryReader reader)
    {
        ExpectName(reader, StateName);
        _hasBuffer = reader.ReadBoolean();
        ReadTensor(reader, _buffer, "momentum buffer");
    }

    public override void Dispose() => _buffer.Dispose();
}
