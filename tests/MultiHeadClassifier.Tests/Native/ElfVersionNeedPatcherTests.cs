using System.Reflection;
using FluentAssertions;
using MultiHeadClassifier.Build;
using Xunit;

namespace MultiHeadClassifier.Tests.Native;

/// <summary>
/// Tests the ELF edit on real bytes: TorchSharp's unpatched libLibTorchSharp.so from the NuGet cache.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ElfVersionNeedPatcherTests : IDisposable
{
    private const string Library = "libstdc++.so.6";
    private const string Version = "GLIBCXX_3.4.32";
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-elf-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string OriginalLibTorchSharp()
    {
        var metadata = typeof(ElfVersionNeedPatcherTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
        return Path.Combine(metadata["NuGetPackageRoot"]!, "torchsharp", metadata["TorchSharpVersion"]!, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    /// <summary>The System V ABI's ELF hash, which every Elf64_Vernaux stores in vna_hash for its name.</summary>
    private static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0)
            {
                h ^= g >> 24;
            }

            h &= ~g;
        }

        return h;
    }

    [Fact]
    public void When_patching_the_real_library_it_should_set_the_weak_flag_on_the_GLIBCXX_3_4_32_entry_only()
    {
        // Arrange
        byte[] original = File.ReadAllBytes(OriginalLibTorchSharp());
        byte[] bytes = (byte[])original.Clone();
        ElfVersionNeedPatcher.HasStrongRequirement(bytes, Library, Version).Should().BeTrue("TorchSharp 0.107's shim needs GLIBCXX_3.4.32");

        // Act
        var outcome = ElfVersionNeedPatcher.MakeWeak(bytes, Library, Version);

        // Assert: exactly one byte changed, the low byte of a vna_flags field, gaining VER_FLG_WEAK (0x2)...
        outcome.Should().Be(ElfPatchOutcome.Patched);
        var changed = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != original[i]).ToArray();
        changed.Should().HaveCount(1);
        int flags = changed[0];
        (bytes[flags] ^ original[flags]).Should().Be(0x2);
        // ...of the Elf64_Vernaux whose vna_hash (4 bytes before vna_flags) is elf_hash("GLIBCXX_3.4.32").
        BitConverter.ToUInt32(bytes, flags - 4).Should().Be(ElfHash(Version));
        ElfVersionNeedPatcher.HasStrongRequirement(bytes, Library, Version).Should().BeFalse();
        ElfVersionNeedPatcher.HasStrongRequirement(bytes, Library, "GLIBCXX_3.4").Should().BeTrue("other versions stay required");
    }

    [Fact]
    public void When_patching_twice_it_should_change_nothing_the_second_time()
    {
        byte[] bytes = File.ReadAllBytes(OriginalLibTorchSharp());
        ElfVersionNeedPatcher.MakeWeak(bytes, Library, Version);
        byte[] once = (byte[])bytes.Clone();

        var outcome = ElfVersionNeedPatcher.MakeWeak(bytes, Library, Version);

        outcome.Should().Be(ElfPatchOutcome.AlreadyWeak);
        bytes.Should().Equal(once);
    }

    [Fact]
    public void When_the_file_has_no_such_entry_it_should_be_left_alone()
    {
        // libstdc++ itself defines GLIBCXX versions but needs none of them from libstdc++.
        string? host = HostLibStdCxx.Locate();
        host.Should().NotBeNull("a Linux host with libtorch has libstdc++");
        byte[] original = File.ReadAllBytes(host!);
        byte[] bytes = (byte[])original.Clone();

        var outcome = ElfVersionNeedPatcher.MakeWeak(bytes, Library, Version);

        outcome.Should().Be(ElfPatchOutcome.EntryNotFound);
        bytes.Should().Equal(original);
    }

    [Fact]
    public void When_the_bytes_are_not_ELF_it_should_be_left_alone()
    {
        byte[] bytes = "#!/bin/sh\necho not an ELF file\n"u8.ToArray();
        byte[] copy = (byte[])bytes.Clone();

        ElfVersionNeedPatcher.MakeWeak(bytes, Library, Version).Should().Be(ElfPatchOutcome.NotElf64);
        bytes.Should().Equal(copy);
    }

    [Fact]
    public void When_the_host_libstdcxx_is_read_it_should_list_its_GLIBCXX_versions()
    {
        var versions = ElfVersionNeedPatcher.DefinedVersions(File.ReadAllBytes(HostLibStdCxx.Locate()!));

        versions.Should().Contain(["GLIBCXX_3.4", "GLIBCXX_3.4.30"], "Debian 12's libstdc++ (GCC 12) defines up to 3.4.30");
    }

    [Fact]
    public void When_patching_a_file_on_disk_it_should_be_atomic_idempotent_and_keep_the_file_mode()
    {
        string path = Path.Combine(_folder, "libLibTorchSharp.so");
        File.Copy(OriginalLibTorchSharp(), path);
        var mode = File.GetUnixFileMode(path);

        LibTorchSharpFilePatcher.PatchFile(path).Should().Be(ElfPatchOutcome.Patched);
        LibTorchSharpFilePatcher.PatchFile(path).Should().Be(ElfPatchOutcome.AlreadyWeak);

        File.GetUnixFileMode(path).Should().Be(mode);
        Directory.GetFiles(_folder).Should().Equal(path);
        ElfVersionNeedPatcher.HasStrongRequirement(File.ReadAllBytes(path), Library, Version).Should().BeFalse();
    }

    [Fact]
    public void When_this_test_project_was_built_it_should_have_an_output_copy_that_loads_on_this_host()
    {
        // The build step patches the copy in the output folder when the host's libstdc++ lacks the version.
        string copy = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        bool hostHasVersion = HostLibStdCxx.Defines(Version) == true;

        ElfVersionNeedPatcher.HasStrongRequirement(File.ReadAllBytes(copy), Library, Version).Should().Be(hostHasVersion);
    }
}
