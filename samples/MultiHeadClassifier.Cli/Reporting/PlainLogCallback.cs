using System.Globalization;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Cli.Reporting;

/// <summary>Writes one plain line per epoch, for redirected output.</summary>
/// <param name="output">Where to write.</param>
public sealed class PlainLogCallback(TextWriter output) : TrainingCallback
{
    /// <inheritdoc />
    public override void OnEpochEnd(EpochEndArgs args)
    {
        var s = args.Summary;
        string valid = s.ValidationLoss is { } v ? string.Create(CultureInfo.InvariantCulture, $" valid_loss {v:F4}") : string.Empty;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {s.Epoch}/{args.Epochs} train_loss {s.TrainLoss:F4}{valid} lr {s.LearningRate:G4} {s.Duration.TotalSeconds:F2}s"));
    }
}
