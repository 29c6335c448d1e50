using System.Buffers.Binary;
using System.Text;

namespace MultiHeadClassifier.Build;

/// <summary>The outcome of <see cref="ElfVersionNeedPatcher.MakeWeak"/>.</summary>
public enum ElfPatchOutcome
{
    /// <summary>The entry was found and its <c>VER_FLG_WEAK</c> bit has just been set.</summary>
    Patched,

    /// <summary>The entry was found and was already weak; nothing changed.</summary>
    AlreadyWeak,

    /// <summary>The file is a 64-bit little-endian ELF file but has no such version-needs entry; nothing changed.</summary>
    EntryNotFound,

    /// <summary>The bytes are not a 64-bit little-endian ELF file with section headers; nothing changed.</summary>
    NotElf64,
}

/// <summary>
/// Edits the version-needs section (<c>.gnu.version_r</c>, <c>SHT_GNU_verneed</c>) of a 64-bit little-endian
/// ELF shared object in memory, and reads the version definitions (<c>SHT_GNU_verdef</c>) of another.
/// </summary>
/// <remarks>
/// <para>
/// Setting <c>VER_FLG_WEAK</c> (0x2) in the <c>vna_flags</c> of an <c>Elf64_Vernaux</c> entry makes the dynamic
/// loader treat that symbol version as optional: a missing version is reported as a warning instead of a load
/// failure. TorchSharp 0.107's <c>libLibTorchSharp.so</c> needs <c>GLIBCXX_3.4.32</c> only for
/// <c>std::ios_base_library_init()</c>, a symbol that GCC 13's <c>&lt;iostream&gt;</c> references but nothing
/// calls, so the weak flag is enough for it to load on libstdc++ builds that stop at <c>GLIBCXX_3.4.30</c>.
/// </para>
/// <para>All methods are pure functions of their arguments and are thread-safe.</para>
/// </remarks>
public static class ElfVersionNeedPatcher
{
    /// <summary>The <c>VER_FLG_WEAK</c> bit of <c>vna_flags</c>.</summary>
    public const ushort VerFlagWeak = 0x2;

    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on the version-needs entry <paramref name="versionName"/> required from
    /// <paramref name="libraryName"/>. Only that entry's flag bytes can change.
    /// </summary>
    /// <param name="elf">The whole file's bytes; modified in place when the result is <see cref="ElfPatchOutcome.Patched"/>.</param>
    /// <param name="libraryName">The needed file, e.g. <c>libstdc++.so.6</c>.</param>
    /// <param name="versionName">The needed version, e.g. <c>GLIBCXX_3.4.32</c>.</param>
    /// <returns>What was found and done.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidDataException">The ELF structures point outside the file.</exception>
    public static ElfPatchOutcome MakeWeak(byte[] elf, string libraryName, string versionName)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentNullException.ThrowIfNull(libraryName);
        ArgumentNullException.ThrowIfNull(versionName);

        int flagsOffset = FindVernauxFlagsOffset(elf, libraryName, versionName, out bool isElf);
        if (!isElf)
        {
            return ElfPatchOutcome.NotElf64;
        }

        if (flagsOffset < 0)
        {
            return ElfPatchOutcome.EntryNotFound;
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(flagsOffset));
        if ((flags & VerFlagWeak) != 0)
        {
            return ElfPatchOutcome.AlreadyWeak;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(flagsOffset), (ushort)(flags | VerFlagWeak));
        return ElfPatchOutcome.Patched;
    }

    /// <summary>
    /// Tells whether the file needs <paramref name="versionName"/> from <paramref name="libraryName"/> as a
    /// strong (non-weak) requirement, i.e. whether <see cref="MakeWeak"/> would change it.
    /// </summary>
    /// <param name="elf">The whole file's bytes.</param>
    /// <param name="libraryName">The needed file, e.g. <c>libstdc++.so.6</c>.</param>
    /// <param name="versionName">The needed version, e.g. <c>GLIBCXX_3.4.32</c>.</param>
    /// <returns><see langword="true"/> when a non-weak entry exists.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidDataException">The ELF structures point outside the file.</exception>
    public static bool HasStrongRequirement(byte[] elf, string libraryName, string versionName)
    {
        ArgumentNullException.ThrowIfNull(elf);
        int offset = FindVernauxFlagsOffset(elf, libraryName, versionName, out _);
        return offset >= 0 && (BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(offset)) & VerFlagWeak) == 0;
    }

    /// <summary>Lists the version names a shared object defines (its <c>SHT_GNU_verdef</c> section).</summary>
    /// <param name="elf">The whole file's bytes.</param>
    /// <returns>The defined version names, or an empty list for a file that is not a 64-bit ELF file or defines none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="elf"/> is null.</exception>
    /// <exception cref="InvalidDataException">The ELF structures point outside the file.</exception>
    public static IReadOnlyList<string> DefinedVersions(byte[] elf)
    {
        ArgumentNullException.ThrowIfNull(elf);
        var names = new List<string>();
        if (!TryReadSections(elf, out var sections))
        {
            return names;
        }

        foreach (var section in sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = StringTable(sections, section, elf);
            long entry = section.Offset;
            for (int i = 0; i < 100_000; i++)
            {
                // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32.
                Check(elf, entry, 20);
                uint vdAux = ReadU32(elf, entry + 12);
                uint vdNext = ReadU32(elf, entry + 16);
                // The first Elf64_Verdaux (vda_name u32, vda_next u32) names the version itself.
                long aux = entry + vdAux;
                Check(elf, aux, 8);
                names.Add(ReadString(elf, strtab, ReadU32(elf, aux)));
                if (vdNext == 0)
                {
                    break;
                }

                entry += vdNext;
            }
        }

        return names;
    }

    private static int FindVernauxFlagsOffset(byte[] elf, string libraryName, string versionName, out bool isElf)
    {
        isElf = TryReadSections(elf, out var sections);
        if (!isElf)
        {
            return -1;
        }

        foreach (var section in sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strtab = StringTable(sections, section, elf);
            long need = section.Offset;
            for (int i = 0; i < 100_000; i++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
                Check(elf, need, 16);
                ushort count = ReadU16(elf, need + 2);
                string file = ReadString(elf, strtab, ReadU32(elf, need + 4));
                uint vnAux = ReadU32(elf, need + 8);
                uint vnNext = ReadU32(elf, need + 12);
                long aux = need + vnAux;
                for (int a = 0; a < count; a++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
                    Check(elf, aux, 16);
                    string name = ReadString(elf, strtab, ReadU32(elf, aux + 8));
                    if (file == libraryName && name == versionName)
                    {
                        return checked((int)(aux + 4));
                    }

                    uint vnaNext = ReadU32(elf, aux + 12);
                    if (vnaNext == 0)
                    {
                        break;
                    }

                    aux += vnaNext;
                }

                if (vnNext == 0)
                {
                    break;
                }

                need += vnNext;
            }
        }

        return -1;
    }

    private readonly record struct Section(uint Type, long Offset, long Size, uint Link);

    private static bool TryReadSections(byte[] elf, out List<Section> sections)
    {
        sections = [];
        // e_ident: 0x7f 'E' 'L' 'F', EI_CLASS = 2 (64-bit), EI_DATA = 1 (little-endian).
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 || elf[5] != 1)
        {
            return false;
        }

        long shoff = (long)ReadU64(elf, 0x28);
        ushort shentsize = ReadU16(elf, 0x3A);
        ushort shnum = ReadU16(elf, 0x3C);
        if (shoff == 0 || shnum == 0 || shentsize < 64)
        {
            return false;
        }

        for (int i = 0; i < shnum; i++)
        {
            long header = shoff + (long)i * shentsize;
            Check(elf, header, 64);
            sections.Add(new Section(
                Type: ReadU32(elf, header + 4),
                Offset: (long)ReadU64(elf, header + 24),
                Size: (long)ReadU64(elf, header + 32),
                Link: ReadU32(elf, header + 40)));
        }

        return true;
    }

    private static Section StringTable(List<Section> sections, Section owner, byte[] elf)
    {
        if (owner.Link >= sections.Count)
        {
            throw new InvalidDataException($"ELF section links to string table {owner.Link}, but the file has {sections.Count} sections.");
        }

        var strtab = sections[(int)owner.Link];
        Check(elf, strtab.Offset, strtab.Size);
        return strtab;
    }

    private static string ReadString(byte[] elf, Section strtab, uint index)
    {
        long start = strtab.Offset + index;
        if (index >= strtab.Size)
        {
            throw new InvalidDataException($"ELF string index {index} is outside its string table.");
        }

        long end = start;
        long limit = strtab.Offset + strtab.Size;
        while (end < limit && elf[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(elf, (int)start, (int)(end - start));
    }

    private static void Check(byte[] elf, long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > elf.Length)
        {
            throw new InvalidDataException($"ELF structure at offset {offset} (length {length}) lies outside the {elf.Length}-byte file.");
        }
    }

    private static ushort ReadU16(byte[] elf, long offset)
    {
        Check(elf, offset, 2);
        return BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan((int)offset));
    }

    private static uint ReadU32(byte[] elf, long offset)
    {
        Check(elf, offset, 4);
        return BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan((int)offset));
    }

    private static ulong ReadU64(byte[] elf, long offset)
    {
        Check(elf, offset, 8);
        return BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)offset));
    }
}
