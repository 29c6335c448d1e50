using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Benchmarks.Quality;

/// <summary>
/// Keeps copies of a model's parameters after its <c>count</c> best epochs by the monitored validation value and,
/// after training, replaces the model's parameters with their element-wise mean (weight averaging within one run,
/// as stochastic weight averaging does over the trajectory). The model has no buffers that training changes.
/// </summary>
internal sealed class BestEpochsAverage(MultiHeadModel model, int count, bool higherIsBetter) : TrainingCallback
{
    private readonly List<(double Value, float[][] Weights)> _best = [];

    /// <summary>The epochs averaged, best first, once training has ended.</summary>
    public int Averaged => _best.Count;

    /// <inheritdoc />
    public override void OnEpochEnd(EpochEndArgs args)
    {
        if (args.Summary.Monitored is not { } monitored || double.IsNaN(monitored))
        {
            return;
        }

        double value = higherIsBetter ? -monitored : monitored;
        if (_best.Count == count && value >= _best[^1].Value)
        {
            return;
        }

        float[][] weights;
        using (NewDisposeScope())
        {
            weights = [.. model.Network.parameters().Select(p => p.detach().cpu().data<float>().ToArray())];
        }

        _best.Add((value, weights));
        _best.Sort((a, b) => a.Value.CompareTo(b.Value));
        if (_best.Count > count)
        {
            _best.RemoveAt(_best.Count - 1);
        }
    }

    /// <summary>Loads the mean of the kept epochs' parameters into the model.</summary>
    public void Apply()
    {
        if (_best.Count == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int i = 0;
        foreach (var parameter in model.Network.parameters())
        {
            var mean = new float[_best[0].Weights[i].Length];
            foreach (var (_, weights) in _best)
            {
                for (int j = 0; j < mean.Length; j++)
                {
                    mean[j] += weights[i][j] / _best.Count;
                }
            }

            parameter.copy_(tensor(mean).reshape(parameter.shape).to(parameter.device));
            i++;
        }
    }
}
