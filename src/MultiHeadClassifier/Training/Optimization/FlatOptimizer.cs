using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training.Optimization;

/// <summary>
/// An optimizer over <see cref="FlatParameters"/>: PyTorch's update rules applied to the whole flat buffer at
/// once. Its state (step count and moment buffers) can be written to and read from a checkpoint.
/// </summary>
internal abstract class FlatOptimizer : IDisposable
{
    protected FlatOptimizer(FlatParameters parameters, double learningRate, double weightDecay)
    {
        Parameters = parameters;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The learning rate of the next step.</summary>
    public double LearningRate { get; set; }

    /// <summary>The weight-decay coefficient.</summary>
    public double WeightDecay { get; }

    /// <summary>The parameters.</summary>
    protected FlatParameters Parameters { get; }

    /// <summary>Applies one update from the current gradients.</summary>
    public abstract void Step();

    /// <summary>Writes the state.</summary>
    public abstract void Save(BinaryWriter writer);

    /// <summary>Reads a state written by <see cref="Save"/> for the same parameters.</summary>
    /// <exception cref="InvalidDataException">The state is of another optimizer or another parameter count.</exception>
    public abstract void Load(BinaryReader reader);

    /// <inheritdoc />
    public abstract void Dispose();

    /// <summary>Writes a flat state tensor as its element count and raw float values.</summary>
    protected static void WriteTensor(BinaryWriter writer, Tensor tensor)
    {
        // A scope rather than `using`: cpu() and contiguous() may hand back the state tensor itself.
        using var scope = NewDisposeScope();
        var host = tensor.cpu().contiguous();
        writer.Write(host.numel());
        writer.Write(host.bytes);
    }

    /// <summary>Reads a flat state tensor written by <see cref="WriteTensor"/> into <paramref name="target"/>.</summary>
    protected static void ReadTensor(BinaryReader reader, Tensor target, string what)
    {
        long count = reader.ReadInt64();
        if (count != target.numel())
        {
            throw new InvalidDataException($"The optimizer's {what} has {count} values, but the model has {target.numel()} trainable parameters.");
        }

        byte[] bytes = reader.ReadBytes(checked((int)(count * sizeof(float))));
        if (bytes.Length != count * sizeof(float))
        {
            throw new InvalidDataException($"The optimizer's {what} ends early.");
        }

        using var source = tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        using var noGrad = no_grad();
        target.copy_(source);
    }

    /// <summary>Checks the state's optimizer name.</summary>
    protected static void ExpectName(BinaryReader reader, string expected)
    {
        string name = reader.ReadString();
        if (name != expected)
        {
            throw new InvalidDataException($"The optimizer state is of {name}, not {expected}.");
        }
    }
}
