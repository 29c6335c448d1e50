using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>The losses of one batch: the total Σ λ_h·loss_h and the per-head breakdown (in head order). The caller owns both tensors.</summary>
/// <param name="Total">Scalar total loss.</param>
/// <param name="PerHead">[heads] per-head weighted-mean losses (before λ).</param>
public readonly record struct MultiHeadLossResult(Tensor Total, Tensor PerHead);
