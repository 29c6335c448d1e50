namespace MultiHeadClassifier.Data;

/// <summary>
/// A read, in the background, of the first chunk of the epoch after the one a <see cref="MultiHeadDataFileSource"/>
/// pass has just finished, into that pass's chunk buffer.
/// </summary>
/// <param name="Epoch">The epoch whose first chunk is read.</param>
/// <param name="Chunk">The chunk's index in the file.</param>
/// <param name="Pass">The pass that started the read.</param>
/// <param name="Buffer">The buffer the chunk is read into; it is free once <see cref="Read"/> has completed.</param>
/// <param name="Stop">Cancels the read.</param>
/// <param name="Read">The read; true when the whole chunk was read.</param>
internal sealed record NextEpochRead(int Epoch, int Chunk, object Pass, byte[] Buffer, CancellationTokenSource Stop, Task<bool> Read) : IDisposable
{
    /// <summary>Cancels the read and waits for it to stop, so that nothing writes to <see cref="Buffer"/> afterwards.</summary>
    public void Drop()
    {
        Stop.Cancel();
        Read.Wait();
        Dispose();
    }

    /// <summary>Releases the cancellation source.</summary>
    public void Dispose() => Stop.Dispose();
}
