namespace MultiHeadClassifier.Native;

/// <summary>
/// Thrown by the library's entry points when libtorch or TorchSharp's native shim cannot be loaded. The message
/// says what is missing and what to do.
/// </summary>
public sealed class TorchNativeLoadException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is missing and what to do.</param>
    /// <param name="innerException">The loader's original error.</param>
    public TorchNativeLoadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
