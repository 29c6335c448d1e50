using MultiHeadClassifier.Internal;
using static TorchSharp.torch;

using TorchSharp;

namespace MultiHeadClassifier.Training.Optimization;

/// <summary>
/// Adam (Kingma and Ba, 2015) with PyTorch's update: m ← m + (1 − β₁)(g − m); v ← β₂v + (1 − β₂)g²;
/// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε), with β = (0.9, 0.999) and ε = 1e-8. Weight decay is L2
/// (g ← g + λp) for Adam and decoupled (p ← p(1 − lr·λ)) for AdamW (Loshchilov and Hutter, 2019).
/// </summary>
internal sealed class FlatAdam : FlatOptimizer
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    /// <summary>
    /// The largest step count a state may have: 2^53, the last integer a double (the bias corrections' exponent) counts
    /// exactly; a larger one would overflow into a negative exponent and NaN weights long before it could be reached.
    /// </summary>
    private const long MaxStep = 1L << 53;

    private readonly bool _decoupled;
    private readonly Tensor _average;
    private readonly Tensor _squaredAverage;
    private long _step;

    public FlatAdam(FlatParameters parameters, double learningRate, double weightDecay, bool decoupledWeightDecay)
        : base(parameters, learningRate, weightDecay)
    {
        _decoupled = decoupledWeightDecay;
        _average = zeros_like(parameters.Values);
        _squaredAverage = zeros_like(parameters.Values);
    }

    private string Name => StateName(_decoupled);

    /// <summary>
    /// Checks a state written by <see cref="Save"/>, allocating nothing: the name, a step count from 0 to
    /// <see cref="MaxStep"/>, and two moments of <paramref name="parameterCount"/> finite values, the second none below 0.
    /// </summary>
    /// <param name="reader">A reader over <paramref name="state"/>, at its start.</param>
    /// <param name="state">The state.</param>
    /// <param name="decoupledWeightDecay">AdamW rather than Adam.</param>
    /// <param name="parameterCount">The model's trainable parameter count.</param>
    /// <returns>Null when the state fits; otherwise the first problem.</returns>
    public static string? FindStateProblem(BinaryReader reader, ReadOnlySpan<byte> state, bool decoupledWeightDecay, long parameterCount)
    {
        string? problem = CheckName(reader, StateName(decoupledWeightDecay));
        if (problem is not null)
        {
            return problem;
        }

        long step = reader.ReadInt64();
        if (step is < 0 or > MaxStep)
        {
            return $"the optimizer's step count is {step}; it must be 0 to 2^53";
        }

        return CheckTensor(reader, state, parameterCount, "first moment", nonNegative: false)
            ?? CheckTensor(reader, state, parameterCount, "second moment", nonNegative: true);
    }

    private static string StateName(bool decoupled) => decoupled ? "AdamW" : "Adam";

    public override void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = Parameters.Values;
        var gradient = Parameters.Gradients;
        _step++;
        double stepSize = LearningRate / (1 - Math.Pow(Beta1, _step));
        double correction = Math.Sqrt(1 - Math.Pow(Beta2, _step));

        // Explicit scalars held by `using` until the step ends: an implicit conversion's temporary could be
        // finalized, freeing its native handle, while libtorch still reads it.
        using var decay = (_decoupled ? 1 - (LearningRate * WeightDecay) : WeightDecay).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var epsilon = (Epsilon * correction).ToScalar();
        using var step = (-stepSize * correction).ToScalar();
        if (WeightDecay != 0)
        {
            if (_decoupled)
            {
                values.mul_(decay);
            }
            else
            {
                gradient = gradient.add(values, alpha: decay);
            }
        }

        _average.lerp_(gradient, 1 - Beta1); // lerp_ takes a tensor weight: a 0-d tensor, held by the dispose scope
        _squaredAverage.mul_(beta2).addcmul_(gradient, gradient, value: oneMinusBeta2);

        // m / (√v / c + ε) = c·m / (√v + c·ε): one pass fewer than dividing √v by c, the same value up to rounding.
        // The alpha is explicit: add_(Scalar) alone passes a temporary Scalar 1 that a finalizer may free mid-call,
        // which crashed a long quality run here ("Expected false to be true" in toFloat).
        var denominator = _squaredAverage.sqrt().add_(epsilon, Scalars.One);
        values.addcdiv_(_average, denominator, value: step);
    }

    public override void Save(BinaryWriter writer)
    {
        writer.Write(Name);
        writer.Write(_step);
        WriteTensor(writer, _average);
        WriteTensor(writer, _squaredAverage);
    }

    public override void Load(BinaryReader reader)
    {
        ExpectName(reader, Name);
        _step = reader.ReadInt64();
        ReadTensor(reader, _average, "first moment");
        ReadTensor(reader, _squaredAverage, "second moment");
    }

    public override void Dispose()
    {
        _average.Dispose();
        _squaredAverage.Dispose();
    }
}
