using MultiHeadClassifier.Data;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Training;

/// <summary>
/// What the trainer watches on the validation data after each epoch, for early stopping and for restoring the
/// best epoch (<see cref="MultiHeadTrainerOptions.Monitor"/>); <see cref="EpochSummary.Monitored"/> records it.
/// The default, <see cref="Loss"/>, is the training objective itself; <c>MultiHeadClassifier.Evaluation.ValidationMonitors</c>
/// offers the unweighted NLL after prior correction and the usual metrics. Implementations must be thread-safe
/// and must not change the model.
/// </summary>
public abstract class ValidationMonitor
{
    /// <summary>The class-weighted validation loss the trainer computes anyway (lower is better). The default.</summary>
    public static ValidationMonitor Loss { get; } = new LossMonitor();

    /// <summary>A short name, e.g. <c>loss</c>, <c>nll</c>, <c>qwk</c>; the CLI's <c>--monitor</c> uses it.</summary>
    public abstract string Name { get; }

    /// <summary>Whether higher values are better (accuracy, QWK) or lower ones (loss, NLL, MAE).</summary>
    public abstract bool HigherIsBetter { get; }

    /// <summary>The monitored value of the model, in eval mode, on the validation data.</summary>
    /// <param name="model">The model being trained (read only).</param>
    /// <param name="validation">The validation rows.</param>
    /// <param name="validationLoss">The epoch's total validation loss, already computed.</param>
    /// <returns>The value; NaN when it is undefined (the epoch then counts as no improvement).</returns>
    public abstract double Measure(MultiHeadModel model, MultiHeadDataset validation, double validationLoss);

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class LossMonitor : ValidationMonitor
    {
        public override string Name => "loss";

        public override bool HigherIsBetter => false;

        public override double Measure(MultiHeadModel model, MultiHeadDataset validation, double validationLoss) => validationLoss;
    }
}
