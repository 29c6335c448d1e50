namespace MultiHeadClassifier.Training;

/// <summary>
/// The optimizer used by <see cref="MultiHeadTrainer"/>. Each follows PyTorch's update rule (torch.optim) and is
/// applied to all parameters at once in the trainer's flat parameter buffer.
/// </summary>
public enum OptimizerKind
{
    /// <summary>Adam (Kingma and Ba), betas (0.9, 0.999), eps 1e-8; weight decay is L2 added to the gradient. The default.</summary>
    Adam,

    /// <summary>AdamW (Loshchilov and Hutter): Adam with decoupled weight decay p ← p·(1 − lr·λ).</summary>
    AdamW,

    /// <summary>Stochastic gradient descent with momentum (<see cref="MultiHeadTrainerOptions.Momentum"/>), no dampening, no Nesterov; weight decay is L2.</summary>
    Sgd,
}
