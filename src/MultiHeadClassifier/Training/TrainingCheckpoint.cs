using System.Text;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>
/// A training run as it stood at the end of an epoch: the model (weights, class weights, standardisation), the
/// optimizer state, the completed epochs, the states of the shuffling and dropout generators, and the
/// early-stopping state. The trainer hands one to <see cref="CheckpointOptions.Store"/> every
/// <see cref="CheckpointOptions.EveryEpochs"/> epochs;
/// <see cref="MultiHeadTrainer.Resume(TrainingCheckpoint, Data.MultiHeadDataset, Data.MultiHeadDataset?, CancellationToken)"/>
/// continues from one to the same weights, bit for bit on CPU, as a run that was never interrupted.
/// </summary>
/// <remarks>
/// Read one from a file with <c>MultiHeadClassifier.Persistence.CheckpointFile.Load</c>. The caller owns a
/// loaded checkpoint's <see cref="Model"/> and disposes it. Not thread-safe.
/// </remarks>
public sealed class TrainingCheckpoint
{
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

    /// <summary>The model as it was at the end of the last completed epoch. Resuming trains it in place.</summary>
    public MultiHeadModel Model { get; }

    /// <summary>The number of completed epochs.</summary>
    public int CompletedEpochs => State.Epochs.Count;

    /// <summary>The seed the run started with.</summary>
    public long Seed => State.Seed;

    /// <summary>The optimizer the run used; the resuming trainer must use the same one.</summary>
    public OptimizerKind Optimizer { get; }

    /// <summary>The completed epochs' summaries.</summary>
    public IReadOnlyList<EpochSummary> Epochs => State.Epochs;

    /// <summary>With early stopping, the best epoch so far; otherwise null.</summary>
    public int? BestEpoch => State.BestEpoch;

    /// <summary>The bookkeeping besides tensors: epochs, seed, early-stopping state.</summary>
    internal TrainingRunState State { get; }

    /// <summary>The optimizer's step count and moments, as written by <see cref="FlatOptimizer.Save"/>.</summary>
    internal byte[] OptimizerState { get; }

    /// <summary>The shuffling generator's state.</summary>
    internal byte[] ShuffleState { get; }

    /// <summary>The dropout generator's state.</summary>
    internal byte[] DropoutState { get; }

    /// <summary>Names the checkpoint's origin (its file) in error messages.</summary>
    internal string SourceName { get; }

    /// <summary>Captures a running training's state; the model is referenced, everything else copied.</summary>
    internal static TrainingCheckpoint Capture(MultiHeadModel model, OptimizerKind kind, FlatOptimizer optimizer, Generator shuffle, Generator dropout, TrainingRunState state)
    {
        byte[] optimizerState;
        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                optimizer.Save(writer);
            }

            optimizerState = buffer.ToArray();
        }

        return new TrainingCheckpoint(model, state.Clone(), kind, optimizerState, StateOf(shuffle), StateOf(dropout), "the running training");
    }

    /// <summary>
    /// Checks that everything besides the model fits the model, before any of it reaches libtorch: the optimizer
    /// state (its name, step and moments, each of the model's trainable parameter count), both generator states (as
    /// libtorch's <c>set_state</c> accepts them without aborting the process), the early-stopping best weights (the
    /// model's own state-dict keys, element types and shapes, finite values) and the epoch list.
    /// </summary>
    /// <returns>Null when consistent; otherwise the first problem, naming the field.</returns>
    internal string? FindProblem() =>
        FindOptimizerProblem()
        ?? GeneratorState.FindProblem(ShuffleState, "the shuffle generator state")
        ?? GeneratorState.FindProblem(DropoutState, "the dropout generator state")
        ?? FindBestWeightsProblem()
        ?? State.FindProblem(Model.Heads);

    /// <summary>Restores the optimizer's state.</summary>
    /// <exception cref="InvalidDataException">The state is corrupt or does not match the model.</exception>
    internal void RestoreOptimizer(FlatOptimizer optimizer)
    {
        if (FindOptimizerProblem() is { } problem)
        {
            throw FileSections.Invalid(SourceName, "checkpoint", problem);
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(OptimizerState, writable: false));
            optimizer.Load(reader);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"The optimizer state in '{SourceName}' does not match the model: {e.Message}", e);
        }
    }

    /// <summary>Restores the shuffling and dropout generators' states.</summary>
    /// <exception cref="InvalidDataException">A state is corrupt.</exception>
    internal void RestoreGenerators(Generator shuffle, Generator dropout)
    {
        RestoreGenerator(shuffle, ShuffleState);
        RestoreGenerator(dropout, DropoutState);
    }

    private void RestoreGenerator(Generator generator, byte[] state)
    {
        // libtorch aborts the process on a state it rejects; only a state that passes this check reaches it.
        if (GeneratorState.FindProblem(state, "a random generator state") is { } problem)
        {
            throw FileSections.Invalid(SourceName, "checkpoint", problem);
        }

        try
        {
            using var tensor = torch.tensor(state);
            generator.set_state(tensor);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"The random generator state in '{SourceName}' is corrupt: {e.Message}", e);
        }
    }

    private static byte[] StateOf(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    private string? FindOptimizerProblem() =>
        OptimizerFactory.FindStateProblem(Optimizer, OptimizerState, FlatParameters.CountTrainable(Model.Network.parameters()));

    /// <summary>The best weights are loaded into the model when training ends: they must declare exactly its state dict.</summary>
    private string? FindBestWeightsProblem()
    {
        if (State.BestWeights is not { } best)
        {
            return null;
        }

        const string part = "the best-weights state dict";
        return StateDict.ReadDeclarations(best, part, out var entries)
            ?? StateDict.FindMismatch(entries, StateDict.Specs(Model.Network), part, "the model")
            ?? StateDict.FindNonFinite(best, entries, part);
    }
}
