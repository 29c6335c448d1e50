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

    /// <summary>
    /// Says what went wrong, leading with the cause it recognises: a libstdc++ too old for libLibTorchSharp.so
    /// (<c>GLIBCXX_3.4.32</c> missing), or no libtorch backend in the application; otherwise the general advice.
    /// </summary>
    internal static string Explain(Exception error)
    {
        string detail = string.Join(" -> ", Chain(error).Select(e => e.Message.Split('\n')[0].Trim()));
        string advice;
        if (detail.Contains("GLIBCXX_3.4.32", StringComparison.Ordinal))
        {
            advice = "Cause: libLibTorchSharp.so needs GLIBCXX_3.4.32, which this host's libstdc++ lacks (Debian 12 and Ubuntu 22.04 stop at 3.4.30). "
                + "MultiHeadClassifier's build step marks that requirement optional in the copy in your output folder: rebuild the application "
                + "that references the MultiHeadClassifier package on this host, or build with -p:MultiHeadClassifierPatchLibTorchSharp=always "
                + "when building on another machine, and make sure the patched copy is the one deployed.";
        }
        else if (Chain(error).Any(e => e is DllNotFoundException) && !detail.Contains("GLIBC", StringComparison.Ordinal))
        {
            advice = "Cause: a native library was not found. Reference a libtorch backend package from the application (TorchSharp-cpu 0.107.0, "
                + "or a CUDA package) and rebuild; check that libLibTorchSharp.so and libtorch_cpu.so are in the output folder's "
                + "runtimes/linux-x64/native (or the platform's equivalent).";
        }
        else
        {
            advice = "Reference a libtorch backend package from the application (TorchSharp-cpu 0.107.0, or a CUDA package), rebuild so that "
                + "MultiHeadClassifier's build step can patch libLibTorchSharp.so for this host's libstdc++ (property "
                + "MultiHeadClassifierPatchLibTorchSharp=always forces it when building on another machine), and run 'ldd' on "
                + "libLibTorchSharp.so to see which dependency is missing.";
        }

        return $"TorchSharp's native libraries could not be loaded. {advice} Details: {detail}.";
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
