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
}
