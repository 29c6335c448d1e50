using System.Text.Json;
using System.Text.Json.Serialization;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Training;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Persistence;

/// <summary>
/// A <see cref="TrainingCheckpoint"/> file, and the <see cref="ICheckpointStore"/> that keeps a run's latest
/// checkpoint in it: <c>Checkpoint = new CheckpointOptions(new CheckpointFile("run.mhcckpt")) { EveryEpochs = 5 }</c>.
/// Each save atomically replaces the file, so a crash during a save leaves the previous checkpoint intact.
/// </summary>
/// <remarks>
/// <para>
/// Layout (little-endian): the 8 ASCII bytes <c>MHCCHKPT</c>; the format version (int32, <see cref="FormatVersion"/>);
/// then int64-length-prefixed sections: JSON metadata (epochs, seed, optimizer, early-stopping state), the model
/// in <see cref="ModelFile"/>'s format, the optimizer state, the shuffling and dropout generator states, and the
/// early-stopping best weights (empty when none); then the SHA-256 of everything after the version, checked
/// before anything is interpreted.
/// </para>
/// <para>
/// Loading proves the checkpoint self-consistent before any of it reaches libtorch: the model as
/// <see cref="ModelFile"/> checks it; the optimizer state's name, step count and moments (each of exactly the
/// model's trainable parameter count, finite, checked before any tensor is allocated for them); both generator
/// states (the length and position libtorch's <c>set_state</c> accepts, since it aborts the process on any other);
/// the best weights (exactly the model's state-dict keys, element types and shapes, finite); and the epoch list and
/// early-stopping state (epochs numbered 1, 2, 3, … with finite losses for exactly the model's heads, a best epoch
/// among them exactly when there are best weights). Anything else is an <see cref="InvalidDataException"/> naming the
/// file and the field.
/// </para>
/// <para>Thread-safety: the static members are thread-safe; one instance must not save from two threads at once.</para>
/// </remarks>
public sealed class CheckpointFile : ICheckpointStore
{
    /// <summary>The checkpoint format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    private static readonly byte[] Magic = "MHCCHKPT"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },

        // A file this library writes has every property once. A repeated one is ambiguous (other readers may take the
        // first where this one takes the last), and a missing epoch field would silently become 0.
        AllowDuplicateProperties = false,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Creates a store that writes checkpoints to <paramref name="path"/>.</summary>
    /// <param name="path">The checkpoint file; conventionally ends in <c>.mhcckpt</c>. Its folder must exist when training starts.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or white space.</exception>
    public CheckpointFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>The file's path, as the trainer's log names the store it saved to.</summary>
    /// <returns><see cref="Path"/>.</returns>
    public override string ToString() => Path;

    /// <inheritdoc />
    /// <exception cref="DirectoryNotFoundException">The file's folder does not exist.</exception>
    public void EnsureWritable()
    {
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write checkpoints to '{Path}': folder '{folder}' does not exist.");
        }
    }

    /// <inheritdoc />
    /// <exception cref="IOException">The file could not be written; any previous checkpoint is intact.</exception>
    public void Save(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        AtomicFile.Write(Path, stream => Write(checkpoint, stream));
    }

    /// <summary>Loads a checkpoint file.</summary>
    /// <param name="path">A file written by <see cref="Save"/>.</param>
    /// <param name="customBackbone">For a model with a custom backbone: a factory for an untrained instance (see <see cref="ModelFile.Load"/>).</param>
    /// <param name="device">The device to load onto. Default "cpu".</param>
    /// <returns>The checkpoint; the caller owns and disposes its model.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is truncated or corrupt, has a newer format version, or is not self-consistent (see the remarks on <see cref="CheckpointFile"/>); the message names the file and the field.</exception>
    /// <exception cref="ArgumentException">The model has a custom backbone and no factory was given.</exception>
    public static TrainingCheckpoint Load(string path, Func<nn.Module<Tensor, Tensor>>? customBackbone = null, string device = "cpu")
    {
        using var stream = FileSections.OpenExisting(path, "Checkpoint");
        return Read(stream, path, customBackbone, device);
    }

    /// <summary>Writes a checkpoint to a stream in the file format (for stores of your own).</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="stream">A writable stream.</param>
    public static void Write(TrainingCheckpoint checkpoint, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(stream);
        var state = checkpoint.State;
        var metadata = new CheckpointMetadata
        {
            LibraryVersion = LibraryInfo.Version,
            Optimizer = checkpoint.Optimizer,
            Seed = state.Seed,
            Epochs = state.Epochs,
            BestEpoch = state.BestEpoch,
            BestLoss = state.BestLoss,
            EpochsWithoutImprovement = state.EpochsWithoutImprovement,
        };
        byte[] modelBytes;
        using (var buffer = new MemoryStream())
        {
            ModelFile.Write(checkpoint.Model, buffer);
            modelBytes = buffer.ToArray();
        }

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, Json);
        FileSections.WriteChecked(stream, Magic, FormatVersion, writer =>
        {
            FileSections.WriteSection(writer, json);
            FileSections.WriteSection(writer, modelBytes);
            FileSections.WriteSection(writer, checkpoint.OptimizerState);
            FileSections.WriteSection(writer, checkpoint.ShuffleState);
            FileSections.WriteSection(writer, checkpoint.DropoutState);
            FileSections.WriteSection(writer, state.BestWeights ?? []);
        });
    }

    /// <summary>Reads a checkpoint from a stream in the file format.</summary>
    /// <param name="stream">A readable stream positioned at the start of the checkpoint.</param>
    /// <param name="sourceName">Names the source in error messages.</param>
    /// <param name="customBackbone">See <see cref="Load"/>.</param>
    /// <param name="device">The device to load onto. Default "cpu".</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="InvalidDataException">See <see cref="Load"/>.</exception>
    /// <exception cref="ArgumentException">See <see cref="Load"/>.</exception>
    public static TrainingCheckpoint Read(Stream stream, string sourceName, Func<nn.Module<Tensor, Tensor>>? customBackbone = null, string device = "cpu")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var sections = ReadSections(stream, sourceName);
        CheckMetadata(sections, sourceName);
        var metadata = sections.Metadata!;
        var model = ModelFile.Read(new MemoryStream(sections.Model), sourceName, customBackbone, device);
        var state = new TrainingRunState(metadata.Seed)
        {
            Epochs = metadata.Epochs!,
            BestEpoch = metadata.BestEpoch,
            BestLoss = metadata.BestLoss,
            EpochsWithoutImprovement = metadata.EpochsWithoutImprovement,
            BestWeights = sections.BestWeights.Length == 0 ? null : sections.BestWeights,
        };
        var checkpoint = new TrainingCheckpoint(model, state, metadata.Optimizer, sections.Optimizer, sections.Shuffle, sections.Dropout, sourceName);
        if (checkpoint.FindProblem() is { } problem)
        {
            model.Dispose();
            throw FileSections.Invalid(sourceName, "checkpoint", problem);
        }

        return checkpoint;
    }

    private static Sections ReadSections(Stream stream, string sourceName)
    {
        var (_, payload) = FileSections.ReadChecked(stream, Magic, 1, FormatVersion, sourceName, "training checkpoint");
        using var reader = payload;
        try
        {
            byte[] json = FileSections.ReadSection(reader, sourceName, "metadata");
            var metadata = JsonSerializer.Deserialize<CheckpointMetadata>(json, Json);
            var sections = new Sections(
                metadata,
                FileSections.ReadSection(reader, sourceName, "model"),
                FileSections.ReadSection(reader, sourceName, "optimizer"),
                FileSections.ReadSection(reader, sourceName, "shuffle generator"),
                FileSections.ReadSection(reader, sourceName, "dropout generator"),
                FileSections.ReadSection(reader, sourceName, "best weights"));
            FileSections.RequireEnd(reader, sourceName, "checkpoint");
            return sections;
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

    private static void CheckMetadata(Sections sections, string sourceName)
    {
        var metadata = sections.Metadata;
        string? problem = metadata switch
        {
            null => "no metadata",
            { Epochs: null } => "no epoch list",
            _ when !Enum.IsDefined(metadata.Optimizer) => "an unknown optimizer",
            _ => null,
        };
        if (problem is not null)
        {
            throw new InvalidDataException($"'{sourceName}' has corrupt checkpoint metadata: {problem}.");
        }
    }

    private sealed record Sections(CheckpointMetadata? Metadata, byte[] Model, byte[] Optimizer, byte[] Shuffle, byte[] Dropout, byte[] BestWeights);

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
