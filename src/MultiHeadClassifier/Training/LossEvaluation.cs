using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>The training loss of a model on labelled rows, in eval mode without gradients.</summary>
internal static class LossEvaluation
{
    /// <summary>Per head, the weighted mean over all labelled rows; and their λ-weighted total.</summary>
    public static (double Total, IReadOnlyDictionary<string, double> PerHead) Evaluate(MultiHeadModel model, MultiHeadLoss loss, MultiHeadDataset data, int batchSize)
    {
        var sums = new LossAccumulator(model.Heads.Count);
        bool wasTraining = model.Network.training;
        model.Network.eval();
        using (no_grad())
        {
            for (int start = 0; start < data.RowCount; start += batchSize)
            {
                int count = Math.Min(batchSize, data.RowCount - start);
                using var scope = NewDisposeScope();
                var (x, y) = TensorData.ToTensors(data, start, count, model.Device);
                var (numerator, denominator) = loss.WeightedSums(model.Network.forward(model.Prepare(x)), y);
                sums.Add(numerator.cpu().data<float>().ToArray(), denominator.cpu().data<float>().ToArray());
            }
        }

        model.Network.train(wasTraining);
        var perHead = sums.PerHead(model.Heads);
        return (Total(model.Heads, perHead), perHead);
    }

    /// <summary>Σ_h λ_h · loss_h.</summary>
    public static double Total(IReadOnlyList<HeadDefinition> heads, IReadOnlyDictionary<string, double> perHead) =>
        heads.Sum(h => h.LossWeight * perHead[h.Name]);
}
