using System.Runtime.InteropServices;
using MultiHeadClassifier.Internal;
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

    /// <summary>Checks, without reading it into a tensor, the optimizer name at the start of a state written by <see cref="Save"/>.</summary>
    /// <returns>Null when the name is <paramref name="expected"/>; otherwise the problem.</returns>
    protected static string? CheckName(BinaryReader reader, string expected)
    {
        string name = reader.ReadString();
        return name == expected
            ? null
            : $"the optimizer state is of '{(name.Length > 40 ? name[..40] + "…" : name)}', but the checkpoint says {expected}";
    }

    /// <summary>
    /// Checks a flat state tensor as <see cref="WriteTensor"/> wrote it, allocating nothing: its element count must be
    /// <paramref name="parameterCount"/>, all its values present and finite and, for <paramref name="nonNegative"/>, none below 0.
    /// Leaves <paramref name="reader"/> after the tensor.
    /// </summary>
    /// <param name="reader">A reader over <paramref name="state"/>, at the tensor.</param>
    /// <param name="state">The whole state.</param>
    /// <param name="parameterCount">The model's trainable parameter count.</param>
    /// <param name="what">Names the tensor, e.g. "first moment".</param>
    /// <param name="nonNegative">Whether values below 0 are invalid (a second moment is a mean of squares).</param>
    /// <returns>Null when the tensor is sound; otherwise the problem.</returns>
    protected static string? CheckTensor(BinaryReader reader, ReadOnlySpan<byte> state, long parameterCount, string what, bool nonNegative)
    {
        long count = reader.ReadInt64();
        if (count != parameterCount)
        {
            return $"the optimizer's {what} has {count:N0} values, but the model has {parameterCount:N0} trainable parameters";
        }

        int start = (int)reader.BaseStream.Position;
        if (count > (state.Length - start) / sizeof(float))
        {
            return $"the optimizer's {what} ends early";
        }

        var values = MemoryMarshal.Cast<byte, float>(state.Slice(start, (int)count * sizeof(float)));
        int bad = FiniteValues.IndexOfNonFinite(values);
        if (bad < 0 && nonNegative)
        {
            bad = values.IndexOfAnyInRange(float.NegativeInfinity, -float.Epsilon);
        }

        if (bad >= 0)
        {
            return $"the optimizer's {what} has the invalid value {values[bad]} at element {bad:N0}";
        }

        reader.BaseStream.Position = start + (count * sizeof(float));
        return null;
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
