using System.Globalization;
using MultiHeadClassifier.Training;
using Spectre.Console;

namespace MultiHeadClassifier.Cli.Reporting;

/// <summary>
/// Drives a Spectre.Console progress task: epoch, batch, loss and (through the column) the ETA. The epoch lines
/// above the bar come from the trainer's log, through <see cref="ProgressLogger"/>.
/// </summary>
/// <param name="task">The task to advance; its max value is set at the start of training.</param>
public sealed class SpectreProgressCallback(ProgressTask task) : TrainingCallback
{
    /// <inheritdoc />
    public override void OnTrainBegin(TrainBeginArgs args) => task.MaxValue = args.Epochs * (double)(args.BatchesPerEpoch ?? 1);

    /// <inheritdoc />
    public override void OnBatchEnd(BatchEndArgs args)
    {
        int perEpoch = args.BatchesPerEpoch ?? 1;
        task.Value = ((args.Epoch - 1) * (double)perEpoch) + Math.Min(args.Batch, perEpoch);
        task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {args.Epoch}/{args.Epochs} batch {args.Batch}/{perEpoch} loss {args.Loss:F4}");
    }
}
