namespace MultiHeadClassifier.Build;

/// <summary>Finds the host's <c>libstdc++.so.6</c> and tells which symbol versions it defines.</summary>
/// <remarks>Thread-safe; reads files only.</remarks>
public static class HostLibStdCxx
{
    /// <summary>The directories searched, in order, for <c>libstdc++.so.6</c> (Debian/Ubuntu multiarch first).</summary>
    public static readonly IReadOnlyList<string> SearchDirectories =
    [
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
    ];

    /// <summary>Returns the path of the first <c>libstdc++.so.6</c> found in <see cref="SearchDirectories"/>, or null.</summary>
    /// <returns>The path, or <see langword="null"/> when none exists.</returns>
    public static string? Locate() =>
        SearchDirectories.Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);

    /// <summary>
    /// Tells whether the host's libstdc++ defines <paramref name="versionName"/>. Returns <see langword="null"/>
    /// when that cannot be determined (no libstdc++ found, or it cannot be read).
    /// </summary>
    /// <param name="versionName">A version such as <c>GLIBCXX_3.4.32</c>.</param>
    /// <returns>Whether the version is defined, or <see langword="null"/> when unknown.</returns>
    public static bool? Defines(string versionName)
    {
        string? path = Locate();
        if (path is null)
        {
            return null;
        }

        try
        {
            return ElfVersionNeedPatcher.DefinedVersions(File.ReadAllBytes(path)).Contains(versionName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }
}
