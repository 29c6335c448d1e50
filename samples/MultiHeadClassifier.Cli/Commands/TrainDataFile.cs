using MultiHeadClassifier.Data;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// The training rows of one <c>mhc train</c> run, converted once to a <see cref="MultiHeadDataFile"/> in the temp
/// folder so that training streams them from disk. Disposing deletes the file.
/// </summary>
internal sealed class TrainDataFile : IDisposable
{
    private TrainDataFile(string path, long rowCount)
    {
        Path = path;
        RowCount = rowCount;
    }

    /// <summary>The temporary file.</summary>
    public string Path { get; }

    /// <summary>The number of training rows.</summary>
    public long RowCount { get; }

    /// <summary>Creates a new temporary data file and fills it.</summary>
    /// <param name="featureCount">Features per row.</param>
    /// <param name="heads">The heads' names.</param>
    /// <param name="classCounts">The heads' class counts.</param>
    /// <param name="fill">Appends the rows.</param>
    /// <returns>The file.</returns>
    public static TrainDataFile Write(int featureCount, string[] heads, int[] classCounts, Action<MultiHeadDataFileWriter> fill)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mhc-train-{Guid.NewGuid():N}.mhcdata");
        using var writer = MultiHeadDataFile.Create(path, featureCount, heads, classCounts);
        fill(writer);
        writer.Complete();
        return new TrainDataFile(path, writer.RowCount);
    }

    /// <summary>Opens the file as the training source of one run.</summary>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="seed">The trainer's seed, which fixes each epoch's order.</param>
    /// <returns>The source; the caller disposes it.</returns>
    public MultiHeadDataFileSource Open(int batchSize, long seed) =>
        MultiHeadDataFile.Open(Path, new MultiHeadDataFileOptions { BatchSize = batchSize, Seed = seed });

    /// <summary>Deletes the file.</summary>
    public void Dispose() => File.Delete(Path);
}
