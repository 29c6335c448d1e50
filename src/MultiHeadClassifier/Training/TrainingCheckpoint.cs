using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// A training run saved at the end of an epoch by <see cref="MultiHeadTrainerOptions.Checkpoint"/>: the model
/// (weights, class weights, standardisation), the optimizer state, the completed epoch count, the states of the
/// shuffling and dropout generators, the history so far and the early-stopping state.
/// <see cref="MultiHeadTrainer.Resume(TrainingCheckpoint, Data.MultiHeadDataset, Data.MultiHeadDataset?, CancellationToken)"/>
/// continues from it to the same weights, bit for bit on CPU, as a run that was never interrupted.
/// </summary>
/// <remarks>
/// The file starts with the 8 ASCII bytes <c>MHCCHKPT</c> and a format version (<see cref="FormatVersion"/>);
/// it is written atomically, so a crash during a save leaves the previous checkpoint intact.
/// The caller owns <see cref="Model"/> and disposes it.
/// </remarks>
public sealed class TrainingCheckpoint
{
    /// <summary>The checkpoint format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    internal TrainingCheckpoint(MultiHeadModel model, TrainingRunState state, OptimizerKind optimizer, byte[] optimizerState, byte[] shuffleState, byte[] dropoutState, string sourceName)
    {
        Model = model;
        State = state;
        Optimizer = optimizer;
        OptimizerState = optimizerState;
        ShuffleState = shuffleState;
        DropoutState = dropoutState;
        SourceName = sourceName;
    }

    /// <summary>The model as it was at the end of <see cref="Epoch"/>. Resuming trains it in place.</summary>
    public MultiHeadModel Model { get; }

    /// <summary>The number of completed epochs.</summary>
    public int Epoch => State.Epochs.Count;

    /// <summary>The seed the run started with.</summary>
    public long Seed => State.Seed;

    /// <summary>The optimizer the run used; the resuming trainer must use the same one.</summary>
    public OptimizerKind Optimizer { get; }

    /// <summary>The completed epochs' summaries.</summary>
    public IReadOnlyList<EpochSummary> Epochs => State.Epochs;

    /// <summary>With early stopping, the best epoch so far; otherwise null.</summary>
    public int? BestEpoch => State.BestEpoch;

    internal TrainingRunState State { get; }

    internal byte[] OptimizerState { get; }

    internal byte[] ShuffleState { get; }

    internal byte[] DropoutState { get; }

    /// <summary>Names the checkpoint's file in error messages.</summary>
    internal string SourceName { get; }

    /// <summary>Loads a checkpoint file.</summary>
    /// <param name="path">The file written by a trainer with <see cref="MultiHeadTrainerOptions.Checkpoint"/>.</param>
    /// <param name="customBackbone">For a model with a custom backbone: a factory for an untrained instance (see <see cref="ModelSerializer.Load"/>).</param>
    /// <param name="device">The device to load onto. Default "cpu".</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is truncated or corrupt, or has a newer format version.</exception>
    public static TrainingCheckpoint Load(string path, Func<nn.Module<Tensor, Tensor>>? customBackbone = null, string device = "cpu")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint file '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        return CheckpointSerializer.Read(stream, path, customBackbone, device);
    }
}
