using TorchSharp;

namespace MultiHeadClassifier.Internal;

/// <summary>A module's state dict as bytes in TorchSharp's format, the form model files and checkpoints store.</summary>
internal static class StateDict
{
    /// <summary>Serialises every parameter and buffer of <paramref name="module"/>.</summary>
    /// <param name="module">The module.</param>
    /// <returns>The state dict in TorchSharp's format.</returns>
    public static byte[] ToBytes(torch.nn.Module module)
    {
        using var buffer = new MemoryStream();

        // TorchSharp closes the stream it saves to; ToArray still works on a closed MemoryStream.
        module.save(buffer);
        return buffer.ToArray();
    }

    /// <summary>Loads a state dict written by <see cref="ToBytes"/> into <paramref name="module"/> in place.</summary>
    /// <param name="module">A module of the same architecture.</param>
    /// <param name="bytes">The state dict.</param>
    /// <param name="strict">Whether every key must match.</param>
    public static void Load(torch.nn.Module module, byte[] bytes, bool strict = true)
    {
        using var noGrad = torch.no_grad();
        using var stream = new MemoryStream(bytes, writable: false);
        module.load(stream, strict);
    }
}
