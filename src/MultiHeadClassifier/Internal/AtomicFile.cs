namespace MultiHeadClassifier.Internal;

/// <summary>
/// Writes a file atomically: to a temporary file in the same folder, flushed to disk, then renamed over the
/// target. If writing fails, the temporary file is removed and any previous target is left untouched.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with the given writer.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot save '{path}': folder '{directory}' does not exist.");
        }

        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
