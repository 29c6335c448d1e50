using System.Text.Json.Nodes;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Persistence;

/// <summary>Small, seeded model and checkpoint files (4 features, heads of 3 and 2 classes) that load in a millisecond.</summary>
internal static class TinyFiles
{
    public const int Features = 4;

    public static readonly HeadDefinition[] Heads = [new("plot", 3, weighting: ClassWeighting.Balanced()), new("acting", 2)];

    public static nn.Module<Tensor, Tensor> CustomBackbone() => nn.Sequential(nn.Linear(Features, 3), nn.Tanh());

    public static MultiHeadDataset Data(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows, Features];
        var y = new int[rows, Heads.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < Features; j++)
            {
                x[r, j] = (float)((random.NextDouble() * 4) - 2);
            }

            y[r, 0] = r % 3;
            y[r, 1] = (x[r, 0] > 0) ? 1 : 0;
        }

        return new MultiHeadDataset(x, y);
    }

    public static byte[] BuiltInModelFile()
    {
        using var model = MultiHeadModel.Create(Features, Heads, new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [5, 3], LayerNorm = true, Activation = Activation.GELU, Dropout = 0.1 } });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1, BatchSize = 16, Seed = 1 }).Fit(model, Data(32, seed: 5));
        using var buffer = new MemoryStream();
        ModelFile.Write(model, buffer);

        // Temperatures through the file, not the API: the metadata's dictionary of head name → T.
        var parts = ModelFileParts.Decode(buffer.ToArray());
        parts.Metadata["Temperatures"] = new JsonObject { ["plot"] = 1.5 };
        return parts.Encode();
    }

    public static byte[] CustomModelFile()
    {
        using var model = MultiHeadModel.Create(Features, Heads, CustomBackbone(), 3, new MultiHeadModelOptions { Seed = 2 });
        using var buffer = new MemoryStream();
        ModelFile.Write(model, buffer);
        return buffer.ToArray();
    }

    public static byte[] CheckpointFileBytes(MultiHeadTrainerOptions options, MultiHeadDataset train, MultiHeadDataset valid)
    {
        var store = new LastCheckpoint();
        using var model = MultiHeadModel.Create(Features, Heads, new MultiHeadModelOptions { Seed = 5, Backbone = new() { HiddenSizes = [3], Dropout = 0.2 } });
        new MultiHeadTrainer(options with { Checkpoint = new CheckpointOptions(store) { EveryEpochs = 1 } }).Fit(model, train, valid);
        return store.Bytes!;
    }

    private sealed class LastCheckpoint : ICheckpointStore
    {
        public byte[]? Bytes { get; private set; }

        public void EnsureWritable()
        {
        }

        public void Save(TrainingCheckpoint checkpoint)
        {
            using var buffer = new MemoryStream();
            CheckpointFile.Write(checkpoint, buffer);
            Bytes = buffer.ToArray();
        }
    }
}
