namespace MultiHeadClassifier.Cli.Output;

/// <summary>
/// Writes <c>mhc predict</c>'s output chunk by chunk, in row order, into a temporary file beside the output that
/// <see cref="Commit"/> moves into place: memory does not grow with the rows and a failure leaves no output file.
/// </summary>
internal interface IPredictionWriter : IDisposable
{
    /// <summary>Writes the next chunk; every chunk has the same columns, in the same order.</summary>
    /// <param name="columns">The chunk's columns.</param>
    /// <param name="rows">The chunk's row count.</param>
    void WriteChunk(IReadOnlyList<PredictionColumn> columns, int rows);

    /// <summary>Finishes the file and moves it to the output path, replacing any earlier file.</summary>
    void Commit();
}
