using static TorchSharp.torch;

namespace MultiHeadClassifier.Training.Optimization;

/// <summary>
/// Stochastic gradient descent with PyTorch's update: g ← g + λp (L2 weight decay); with momentum μ,
/// b ← g on the first step and b ← μb + g after; p ← p − lr·b.
/// </summary>
internal sealed class FlatSgd : FlatOptimizer
{
    private readonly double _momentum;
    private readonly Tensor _buffer;
    private bool _hasBuffer;

    public FlatSgd(FlatParameters parameters, double learningRate, double weightDecay, double momentum)
        : base(parameters, learningRate, weightDecay)
    {
        _momentum = momentum;
        _buffer = zeros_like(parameters.Values);
    }

    public override void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = Parameters.Values;
        var gradient = Parameters.Gradients;
        if (WeightDecay != 0)
        {
            gradient = gradient.add(values, alpha: WeightDecay);
        }

        if (_momentum != 0)
        {
            if (_hasBuffer)
            {
                _buffer.mul_(_momentum).add_(gradient);
            }
            else
            {
                _buffer.copy_(gradient);
                _hasBuffer = true;
            }

            gradient = _buffer;
        }

        values.add_(gradient, alpha: -LearningRate);
    }

    public override void Save(BinaryWriter writer)
    {
        writer.Write("Sgd");
        writer.Write(_hasBuffer);
        WriteTensor(writer, _buffer);
    }

    public override void Load(BinaryReader reader)
    {
        ExpectName(reader, "Sgd");
        _hasBuffer = reader.ReadBoolean();
        ReadTensor(reader, _buffer, "momentum buffer");
    }

    public override void Dispose() => _buffer.Dispose();
}
