using System.Runtime.InteropServices;
using TorchSharp;

namespace MultiHeadClassifier.Native;

/// <summary>
/// Checks once per process that TorchSharp's native libraries load, and turns a failure into a
/// <see cref="TorchNativeLoadException"/> that explains the cause instead of a bare <see cref="TypeInitializationException"/>.
/// </summary>
/// <remarks>Thread-safe. Every public entry point of the library calls <see cref="EnsureLoaded"/>.</remarks>
internal static class TorchRuntime
{
    private static readonly Lazy<Exception?> LoadError = new(TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Makes sure libtorch is usable in this process.</summary>
    /// <exception cref="TorchNativeLoadException">The native libraries could not be loaded.</exception>
    public static void EnsureLoaded()
    {
        if (LoadError.Value is { } error)
        {
            throw new TorchNativeLoadException(Explain(error), error);
        }
    }

    private static Exception? TryLoad()
    {
        try
        {
            using var probe = torch.zeros(1);
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException or BadImageFormatException)
        {
            return e;
        }
    }

    private static string Explain(Exception error)
    {
        string detail = string.Join(" -> ", Chain(error).Select(e => e.Message.Split('\n')[0].Trim()));
        string advice = RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
            ? "Reference a libtorch backend package from the application (TorchSharp-cpu 0.107.0, or a CUDA package), "
              + "rebuild so that MultiHeadClassifier's build step can patch libLibTorchSharp.so for this host's libstdc++ "
              + "(property MultiHeadClassifierPatchLibTorchSharp=always forces it when building on another machine), "
              + "and check that libLibTorchSharp.so and libtorch_cpu.so are in the output folder's runtimes/linux-x64/native. "
              + "Run 'ldd' on libLibTorchSharp.so to see which dependency is missing."
            : "Reference a libtorch backend package from the application (TorchSharp-cpu 0.107.0, or a CUDA package) and rebuild.";
        return $"TorchSharp's native libraries could not be loaded ({detail}). {advice}";
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
