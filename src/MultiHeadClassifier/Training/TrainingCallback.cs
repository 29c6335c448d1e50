namespace MultiHeadClassifier.Training;

/// <summary>
/// Receives training events. Every method is a no-op by default; override the ones you need. Called on the
/// training thread, in order; exceptions thrown here stop training.
/// </summary>
public abstract class TrainingCallback
{
    /// <summary>Called once before the first epoch.</summary>
    /// <param name="args">The run's settings.</param>
    public virtual void OnTrainBegin(TrainBeginArgs args)
    {
    }

    /// <summary>Called after every optimizer step.</summary>
    /// <param name="args">The batch's losses and timing.</param>
    public virtual void OnBatchEnd(BatchEndArgs args)
    {
    }

    /// <summary>Called after every epoch, once validation has run.</summary>
    /// <param name="args">The epoch's summary.</param>
    public virtual void OnEpochEnd(EpochEndArgs args)
    {
    }

    /// <summary>Called once when training ends normally (not when it is cancelled or fails).</summary>
    /// <param name="args">The history.</param>
    public virtual void OnTrainEnd(TrainEndArgs args)
    {
    }
}
