using MultiHeadClassifier.Training;
using ScottPlot;

namespace MultiHeadClassifier.Cli.Reporting;

/// <summary>Draws the training and validation loss curves with ScottPlot.</summary>
public static class LossPlot
{
    /// <summary>Saves <c>loss.png</c>.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="history">The history.</param>
    public static void Save(string path, TrainingHistory history)
    {
        var plot = new Plot();
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        var train = plot.Add.Scatter(epochs, history.Epochs.Select(e => e.TrainLoss).ToArray());
        train.LegendText = "train";
        if (history.Epochs.All(e => e.ValidationLoss is not null))
        {
            var valid = plot.Add.Scatter(epochs, history.Epochs.Select(e => e.ValidationLoss!.Value).ToArray());
            valid.LegendText = "validation";
        }

        if (history.BestEpoch is { } best && history.Epochs.Count > 1)
        {
            var line = plot.Add.VerticalLine(best);
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = "best epoch";
        }

        plot.Title("Loss");
        plot.XLabel("epoch");
        plot.YLabel("weighted cross-entropy");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 800, 500);
    }
}
