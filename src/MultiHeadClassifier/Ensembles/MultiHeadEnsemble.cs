using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Ensembles;

/// <summary>
/// M models of one architecture trained on the same data with seeds s, s+1, …, s+M−1. It predicts the mean of the
/// members' class probabilities after the chosen prior correction, and applies temperature correction to that mean
/// (softmax(log p̄ / T)), with temperatures fitted on the mean. Averaging seeds lowers the variance that makes one
/// run's readouts differ from the next. Owns its members; dispose it.
/// </summary>
/// <remarks>Thread-safety: prediction may run on several threads at once; training and changing temperatures may not.</remarks>
public sealed class MultiHeadEnsemble : IDisposable
{
    private readonly MultiHeadModel[] _members;
    private FittedTemperatures? _temperatures;

    /// <summary>Builds an ensemble from trained members, which it then owns.</summary>
    /// <param name="members">At least one model; all with the same input width and heads (names, class counts, losses).</param>
    /// <exception cref="ArgumentException">No members, or members that differ in input width or heads.</exception>
    public MultiHeadEnsemble(IReadOnlyList<MultiHeadModel> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
        {
            throw new ArgumentException("An ensemble needs at least one member.", nameof(members));
        }

        var first = members[0];
        for (int i = 1; i < members.Count; i++)
        {
            var m = members[i];
            if (m.InputWidth != first.InputWidth || !m.Heads.Select(h => (h.Name, h.ClassCount, h.Loss)).SequenceEqual(first.Heads.Select(h => (h.Name, h.ClassCount, h.Loss))))
            {
                throw new ArgumentException($"Member {i} has another input width or other heads than member 0; an ensemble's members share one architecture.", nameof(members));
            }
        }

        _members = [.. members];
    }

    /// <summary>The members, in seed order.</summary>
    public IReadOnlyList<MultiHeadModel> Members => _members;

    /// <summary>The heads, shared by every member.</summary>
    public IReadOnlyList<HeadDefinition> Heads => _members[0].Heads;

    /// <summary>The number of input features.</summary>
    public int InputWidth => _members[0].InputWidth;

    /// <summary>Temperatures fitted on the members' mean probabilities (<see cref="FitTemperatures"/>), or null; attach explicitly.</summary>
    /// <value>Default null.</value>
    /// <exception cref="ArgumentException">Set to temperatures for heads the ensemble does not have.</exception>
    public FittedTemperatures? Temperatures
    {
        get => _temperatures;
        set
        {
            if (value?.PerHead.Keys.FirstOrDefault(name => Heads.All(h => h.Name != name)) is { } unknown)
            {
                throw new ArgumentException($"The temperatures include head '{unknown}', which the ensemble does not have.", nameof(value));
            }

            _temperatures = value;
        }
    }

    /// <summary>Trains <paramref name="members"/> models, member i with model and trainer seed <paramref name="seed"/> + i.</summary>
    /// <param name="inputWidth">Number of input features.</param>
    /// <param name="heads">The heads.</param>
    /// <param name="members">How many models, at least 1.</param>
    /// <param name="seed">The first member's seed.</param>
    /// <param name="modelOptions">Backbone and standardisation; its seed is replaced per member. Default: the defaults.</param>
    /// <param name="trainerOptions">The training recipe; its seed is replaced per member. Default: the defaults.</param>
    /// <param name="train">Training rows.</param>
    /// <param name="validation">Validation rows, or null.</param>
    /// <param name="cancellationToken">Stops training at the end of the current batch.</param>
    /// <returns>The trained ensemble.</returns>
    public static MultiHeadEnsemble Train(int inputWidth, IReadOnlyList<HeadDefinition> heads, int members, long seed, MultiHeadModelOptions? modelOptions, MultiHeadTrainerOptions? trainerOptions, MultiHeadDataset train, MultiHeadDataset? validation = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(members);
        modelOptions ??= new MultiHeadModelOptions();
        trainerOptions ??= new MultiHeadTrainerOptions();
        var models = new List<MultiHeadModel>();
        try
        {
            for (int i = 0; i < members; i++)
            {
                var model = MultiHeadModel.Create(inputWidth, heads, modelOptions with { Seed = seed + i });
                models.Add(model);
                new MultiHeadTrainer(trainerOptions with { Seed = seed + i }).Fit(model, train, validation, cancellationToken);
            }

            return new MultiHeadEnsemble(models);
        }
        catch
        {
            models.ForEach(m => m.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Class probabilities of every head: the mean over members of each member's probabilities after the prior
    /// part of <paramref name="correction"/>, then, for its temperature part, softmax(log p̄ / T).
    /// </summary>
    /// <param name="data">The rows.</param>
    /// <param name="correction">The correction.</param>
    /// <param name="temperatures">Temperatures to use instead of the attached ones.</param>
    /// <returns>Rows × K probabilities keyed by head name.</returns>
    /// <exception cref="InvalidOperationException">Temperature correction without temperatures fitted for it.</exception>
    public IReadOnlyDictionary<string, double[,]> Probabilities(MultiHeadDataset data, LogitCorrection correction, FittedTemperatures? temperatures = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        bool prior = correction.HasFlag(LogitCorrection.Prior);
        var mean = MeanProbabilities(data, prior ? LogitCorrection.Prior : LogitCorrection.None);
        if (!correction.HasFlag(LogitCorrection.Temperature))
        {
            return mean;
        }

        temperatures ??= _temperatures;
        if (temperatures is null || temperatures.AfterPriorCorrection != prior)
        {
            throw new InvalidOperationException($"Temperature correction needs temperatures fitted on the {(prior ? "prior-corrected" : "raw")} mean; fit them with FitTemperatures(heldOut, afterPriorCorrection: {prior.ToString().ToLowerInvariant()}).");
        }

        return mean.ToDictionary(p => p.Key, p => temperatures.PerHead.TryGetValue(p.Key, out double t) ? Sharpen(p.Value, t) : p.Value, StringComparer.Ordinal);
    }

    /// <summary>Fits one temperature per head on the members' mean probabilities over held-out rows (the ensemble is not changed).</summary>
    /// <param name="heldOut">Held-out labelled rows.</param>
    /// <param name="afterPriorCorrection">Fit on the prior-corrected mean (default) or the raw mean.</param>
    /// <returns>The temperatures; attach them with <see cref="Temperatures"/>.</returns>
    public FittedTemperatures FitTemperatures(MultiHeadDataset heldOut, bool afterPriorCorrection = true)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        heldOut.ValidateFor(Heads, InputWidth, role: "held-out data");
        var mean = MeanProbabilities(heldOut, afterPriorCorrection ? LogitCorrection.Prior : LogitCorrection.None);
        var temperatures = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int h = 0; h < Heads.Count; h++)
        {
            var labels = heldOut.HeadLabels(h);
            temperatures[Heads[h].Name] = labels.Any(y => y >= 0) ? TemperatureCorrection.Fit(LogOf(mean[Heads[h].Name]), labels) : 1.0;
        }

        return new FittedTemperatures(temperatures, afterPriorCorrection, DataFingerprint.Of(heldOut));
    }

    /// <summary>Disposes every member.</summary>
    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }
    }

    private Dictionary<string, double[,]> MeanProbabilities(MultiHeadDataset data, LogitCorrection correction)
    {
        Dictionary<string, double[,]>? sum = null;
        foreach (var member in _members)
        {
            var p = ModelCorrections.Probabilities(ModelCorrections.Apply(member, member.Predict(data), correction));
            sum ??= p.ToDictionary(x => x.Key, x => new double[x.Value.GetLength(0), x.Value.GetLength(1)], StringComparer.Ordinal);
            foreach (var (head, values) in p)
            {
                var target = sum[head];
                for (int r = 0; r < values.GetLength(0); r++)
                {
                    for (int c = 0; c < values.GetLength(1); c++)
                    {
                        target[r, c] += values[r, c] / _members.Length;
                    }
                }
            }
        }

        return sum!;
    }

    private static float[,] LogOf(double[,] p)
    {
        var result = new float[p.GetLength(0), p.GetLength(1)];
        for (int r = 0; r < p.GetLength(0); r++)
        {
            for (int c = 0; c < p.GetLength(1); c++)
            {
                result[r, c] = (float)Math.Log(Math.Max(p[r, c], 1e-12));
            }
        }

        return result;
    }

    private static double[,] Sharpen(double[,] p, double temperature) =>
        LogitMath.Softmax(TemperatureCorrection.Apply(LogOf(p), temperature));
}
