using System.Reflection;

namespace MultiHeadClassifier.Internal;

/// <summary>Facts about this build of the library, as written into its files and messages.</summary>
internal static class LibraryInfo
{
    /// <summary>The library's version without build metadata, e.g. "0.1.0".</summary>
    public static string Version { get; } =
        typeof(LibraryInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
