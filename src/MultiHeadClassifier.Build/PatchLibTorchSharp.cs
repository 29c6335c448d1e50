using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MultiHeadClassifier.Build;

/// <summary>
/// MSBuild task that makes TorchSharp's <c>libLibTorchSharp.so</c> in an output folder load on hosts whose
/// libstdc++ stops before <c>GLIBCXX_3.4.32</c> (Debian 12, Ubuntu 22.04), by marking that one version
/// requirement weak. See <see cref="ElfVersionNeedPatcher"/>.
/// </summary>
/// <remarks>
/// Idempotent: a patched file is recognised and left alone. Files are rewritten atomically (temporary file in
/// the same folder, then rename). Makes no system changes and runs no external tool.
/// </remarks>
public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
{
    /// <summary>The folder searched recursively for <c>libLibTorchSharp.so</c>; usually the output or publish folder.</summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>
    /// <c>auto</c> (default): patch only when the host's libstdc++ lacks the version (or cannot be inspected);
    /// <c>always</c>: patch whenever the file needs the version; <c>never</c>: do nothing.
    /// </summary>
    public string Mode { get; set; } = "auto";

    /// <summary>The files that were patched by this run.</summary>
    [Output]
    public ITaskItem[] PatchedFiles { get; private set; } = [];

    /// <inheritdoc />
    public override bool Execute()
    {
        string mode = (Mode ?? "auto").Trim().ToLowerInvariant();
        if (mode is not ("auto" or "always" or "never"))
        {
            Log.LogError($"MultiHeadClassifierPatchLibTorchSharp must be 'auto', 'always' or 'never', not '{Mode}'.");
            return false;
        }

        if (mode == "never" || !System.IO.Directory.Exists(Directory))
        {
            return true;
        }

        if (mode == "auto" && HostLibStdCxx.Defines(LibTorchSharpFilePatcher.VersionName) == true)
        {
            Log.LogMessage(MessageImportance.Low, $"Host libstdc++ defines {LibTorchSharpFilePatcher.VersionName}; {LibTorchSharpFilePatcher.TargetFileName} left unchanged.");
            return true;
        }

        var patched = new List<ITaskItem>();
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, LibTorchSharpFilePatcher.TargetFileName, SearchOption.AllDirectories))
        {
            try
            {
                if (LibTorchSharpFilePatcher.PatchFile(file) == ElfPatchOutcome.Patched)
                {
                    Log.LogMessage(MessageImportance.Normal, $"Marked {LibTorchSharpFilePatcher.VersionName} weak in {file} so that it loads with this host's libstdc++.");
                    patched.Add(new TaskItem(file));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Log.LogWarning($"Could not patch {file}: {e.Message}. TorchSharp may fail to load on this host.");
            }
        }

        PatchedFiles = [.. patched];
        return !Log.HasLoggedErrors;
    }
}
