namespace MultiHeadClassifier.Build;

/// <summary>Applies the <c>GLIBCXX_3.4.32</c> weak-version fix to one <c>libLibTorchSharp.so</c> on disk.</summary>
/// <remarks>Thread-safe for distinct files. Has no MSBuild dependency, so it can be called from any code.</remarks>
public static class LibTorchSharpFilePatcher
{
    /// <summary>The library whose version requirement is relaxed.</summary>
    public const string LibraryName = "libstdc++.so.6";

    /// <summary>The version requirement that is made weak.</summary>
    public const string VersionName = "GLIBCXX_3.4.32";

    /// <summary>The file name searched for.</summary>
    public const string TargetFileName = "libLibTorchSharp.so";

    /// <summary>Patches one file in place, atomically. Returns what was done.</summary>
    /// <param name="path">The <c>libLibTorchSharp.so</c> to patch.</param>
    /// <returns>The outcome; the file is rewritten only for <see cref="ElfPatchOutcome.Patched"/>.</returns>
    public static ElfPatchOutcome PatchFile(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var outcome = ElfVersionNeedPatcher.MakeWeak(bytes, LibraryName, VersionName);
        if (outcome != ElfPatchOutcome.Patched)
        {
            return outcome;
        }

        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        return outcome;
    }
}
