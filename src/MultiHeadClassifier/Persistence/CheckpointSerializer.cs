using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using MultiHeadClassifier.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Persistence;

/// <summary>
/// Reads and writes <see cref="TrainingCheckpoint"/> files. Layout (little-endian): the 8 ASCII bytes
/// <c>MHCCHKPT</c>; the format version (int32); then int64-length-prefixed sections: JSON metadata (epochs,
/// seed, optimizer, early-stopping state), the model in <see cref="ModelSerializer"/>'s format, the optimizer
/// state, the shuffling and dropout generator states, and the early-stopping best weights (empty when none);
/// then the SHA-256 of everything after the version (see <see cref="FileSections"/>).
/// </summary>
internal static class CheckpointSerializer
{
    private static readonly byte[] Magic = "MHCCHKPT"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes a checkpoint atomically.</summary>
    public static void Save(string path, MultiHeadModel model, OptimizerKind kind, FlatOptimizer optimizer, Generator shuffle, Generator dropout, TrainingRunState state)
    {
        var metadata = new CheckpointMetadata
        {
            LibraryVersion = ModelSerializer.LibraryVersion,
            Optimizer = kind,
            Seed = state.Seed,
            Epochs = state.Epochs,
            BestEpoch = state.BestEpoch,
            BestLoss = state.BestLoss,
            EpochsWithoutImprovement = state.EpochsWithoutImprovement,
        };
        byte[] modelBytes;
        using (var buffer = new MemoryStream())
        {
            ModelSerializer.Write(model, buffer);
            modelBytes = buffer.ToArray();
        }

        byte[] optimizerBytes;
        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                optimizer.Save(writer);
            }

            optimizerBytes = buffer.ToArray();
        }

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, Json);
        byte[] shuffleState = GeneratorState(shuffle);
        byte[] dropoutState = GeneratorState(dropout);
        AtomicFile.Write(path, stream => FileSections.WriteChecked(stream, Magic, TrainingCheckpoint.FormatVersion, writer =>
        {
            FileSections.WriteSection(writer, json);
            FileSections.WriteSection(writer, modelBytes);
            FileSections.WriteSection(writer, optimizerBytes);
            FileSections.WriteSection(writer, shuffleState);
            FileSections.WriteSection(writer, dropoutState);
            FileSections.WriteSection(writer, state.BestWeights ?? []);
        }));
    }

    /// <summary>Reads a checkpoint.</summary>
    public static TrainingCheckpoint Read(Stream stream, string sourceName, Func<nn.Module<Tensor, Tensor>>? customBackbone, string device)
    {
        CheckpointMetadata? metadata;
        byte[] modelBytes, optimizerBytes, shuffleState, dropoutState, bestWeights;
        var (_, payload) = FileSections.ReadChecked(stream, Magic, 1, TrainingCheckpoint.FormatVersion, sourceName, "training checkpoint");
        using (var reader = payload)
        {
            try
            {
                byte[] json = FileSections.ReadSection(reader, sourceName, "metadata");
                metadata = JsonSerializer.Deserialize<CheckpointMetadata>(json, Json);
                modelBytes = FileSections.ReadSection(reader, sourceName, "model");
                optimizerBytes = FileSections.ReadSection(reader, sourceName, "optimizer");
                shuffleState = FileSections.ReadSection(reader, sourceName, "shuffle generator");
                dropoutState = FileSections.ReadSection(reader, sourceName, "dropout generator");
                bestWeights = FileSections.ReadSection(reader, sourceName, "best weights");
            }
            catch (EndOfStreamException e)
            {
                throw FileSections.Truncated(sourceName, e);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{sourceName}' has corrupt checkpoint metadata: {e.Message}", e);
            }
        }

        string? problem = metadata switch
        {
            null => "no metadata",
            { Epochs: null } => "no epoch list",
            _ when metadata.Epochs.Select((e, i) => e is null || e.Epoch != i + 1 || e.TrainHeadLosses is null).Any(bad => bad) => "an epoch list that is not numbered 1, 2, 3, …",
            _ when !Enum.IsDefined(metadata.Optimizer) => "an unknown optimizer",
            _ when shuffleState.Length == 0 || dropoutState.Length == 0 => "no generator state",
            _ => null,
        };
        if (problem is not null)
        {
            throw new InvalidDataException($"'{sourceName}' has corrupt checkpoint metadata: {problem}.");
        }

        var model = ModelSerializer.Read(new MemoryStream(modelBytes), sourceName, customBackbone, device);
        var state = new TrainingRunState(metadata!.Seed)
        {
            Epochs = metadata.Epochs!,
            BestEpoch = metadata.BestEpoch,
            BestLoss = metadata.BestLoss,
            EpochsWithoutImprovement = metadata.EpochsWithoutImprovement,
            BestWeights = bestWeights.Length == 0 ? null : bestWeights,
        };
        return new TrainingCheckpoint(model, state, metadata.Optimizer, optimizerBytes, shuffleState, dropoutState, sourceName);
    }

    /// <summary>Restores an optimizer's state from a checkpoint.</summary>
    public static void RestoreOptimizer(FlatOptimizer optimizer, byte[] state, string sourceName)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state));
            optimizer.Load(reader);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"The optimizer state in '{sourceName}' does not match the model: {e.Message}", e);
        }
    }

    /// <summary>Restores a generator's state from a checkpoint.</summary>
    public static void RestoreGenerator(Generator generator, byte[] state, string sourceName)
    {
        try
        {
            using var tensor = torch.tensor(state);
            generator.set_state(tensor);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"The random generator state in '{sourceName}' is corrupt: {e.Message}", e);
        }
    }

    private static byte[] GeneratorState(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    private sealed record CheckpointMetadata
    {
        public string? LibraryVersion { get; init; }

        public OptimizerKind Optimizer { get; init; }

        public long Seed { get; init; }

        public List<EpochSummary> Epochs { get; init; } = null!;

        public int? BestEpoch { get; init; }

        public double BestLoss { get; init; }

        public int EpochsWithoutImprovement { get; init; }
    }
}
