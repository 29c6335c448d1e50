using System.Runtime.InteropServices;
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

    /// <summary>Writes checked, parsed rows to a new temporary data file.</summary>
    /// <param name="features">Rows × features, every value finite.</param>
    /// <param name="labels">Rows × heads, each −1 or below its head's class count.</param>
    /// <param name="heads">The heads' names.</param>
    /// <param name="classCounts">The heads' class counts.</param>
    /// <returns>The file.</returns>
    public static TrainDataFile Write(float[,] features, int[,] labels, string[] heads, int[] classCounts)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mhc-train-{Guid.NewGuid():N}.mhcdata");
        int rows = features.GetLength(0);
        int width = features.GetLength(1);
        using var writer = MultiHeadDataFile.Create(path, width, heads, classCounts);
        for (int r = 0; r < rows; r++)
        {
            writer.Append(
                MemoryMarshal.CreateReadOnlySpan(ref features[r, 0], width),
                MemoryMarshal.CreateReadOnlySpan(ref labels[r, 0], heads.Length));
        }

        writer.Complete();
        return new TrainDataFile(path, rows);
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
