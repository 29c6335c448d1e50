using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// The raw logits (no correction applied) of every head as tensors, from <see cref="MultiHeadModel.PredictTensors"/>: the
/// tensor counterpart of <see cref="MultiHeadPrediction"/>. It owns its tensors; dispose it (or detach a tensor
/// you keep with <c>alias()</c>) to free their memory.
/// </summary>
/// <remarks>Not thread-safe to dispose while another thread reads it.</remarks>
public sealed class MultiHeadTensorPrediction : IDisposable
{
    private readonly IReadOnlyDictionary<string, Tensor> _logits;
    private bool _disposed;

    internal MultiHeadTensorPrediction(IReadOnlyDictionary<string, Tensor> logits, long rowCount)
    {
        _logits = logits;
        RowCount = rowCount;
    }

    /// <summary>The [rows, K] logits, keyed by head name in head order.</summary>
    /// <exception cref="ObjectDisposedException">The prediction has been disposed.</exception>
    public IReadOnlyDictionary<string, Tensor> Logits
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _logits;
        }
    }

    /// <summary>The number of rows.</summary>
    public long RowCount { get; }

    /// <summary>The [rows, K] logits of one head.</summary>
    /// <param name="head">The head name.</param>
    /// <returns>A tensor owned by this prediction.</returns>
    /// <exception cref="KeyNotFoundException">No head has that name.</exception>
    /// <exception cref="ObjectDisposedException">The prediction has been disposed.</exception>
    public Tensor this[string head] => Logits.TryGetValue(head, out var values)
        ? values
        : throw new KeyNotFoundException($"No head is named '{head}'; the heads are {string.Join(", ", _logits.Keys)}.");

    /// <summary>Disposes every head's tensor.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var tensor in _logits.Values)
        {
            tensor.Dispose();
        }
    }
}
