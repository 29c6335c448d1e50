using System.Text.Json;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Persistence;

/// <summary>
/// Reads and writes <see cref="MultiHeadEnsemble"/> files: <c>ensemble.Save(path)</c> and
/// <c>MultiHeadEnsemble.Load(path)</c> with <c>using MultiHeadClassifier.Persistence;</c>. One file: the 8 ASCII
/// bytes <c>MHCENSMB</c>; the format version (int32, <see cref="FormatVersion"/>); int64-length-prefixed sections:
/// JSON metadata (member count, the mean's temperatures and their basis), then each member in
/// <see cref="ModelFile"/>'s format; then the SHA-256 of everything after the version, checked first.
/// Saving is atomic. Thread-safe.
/// </summary>
public static class EnsembleFile
{
    /// <summary>The ensemble format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The most members a file may declare, so that a crafted count cannot make the loader allocate without bound.</summary>
    public const int MaximumMembers = 1000;

    private static readonly byte[] Magic = "MHCENSMB"u8.ToArray();

    /// <summary><see cref="MultiHeadEnsemble"/>'s file members.</summary>
    /// <param name="ensemble">The ensemble.</param>
    extension(MultiHeadEnsemble ensemble)
    {
        /// <summary>Loads an ensemble saved with <see cref="Save"/>.</summary>
        /// <param name="path">The file.</param>
        /// <param name="device">The device to load onto. Default "cpu".</param>
        /// <returns>The ensemble; the caller disposes it.</returns>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not an ensemble, is truncated or corrupt, or has a newer format version.</exception>
        public static MultiHeadEnsemble Load(string path, string device = "cpu")
        {
            using var stream = FileSections.OpenExisting(path, "Ensemble");
            return Read(stream, path, device);
        }
    }

    /// <summary>Saves an ensemble atomically.</summary>
    /// <param name="ensemble">The ensemble.</param>
    /// <param name="path">The file; its folder must exist.</param>
    public static void Save(this MultiHeadEnsemble ensemble, string path)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.Write(path, stream => Write(ensemble, stream));
    }

    /// <summary>Writes an ensemble to a stream in the file format.</summary>
    /// <param name="ensemble">The ensemble.</param>
    /// <param name="stream">A writable stream.</param>
    public static void Write(MultiHeadEnsemble ensemble, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(stream);
        var metadata = new EnsembleMetadata
        {
            LibraryVersion = LibraryInfo.Version,
            Members = ensemble.Members.Count,
            Temperatures = ensemble.Temperatures?.PerHead.ToDictionary(p => p.Key, p => p.Value),
            TemperaturesAfterPriorCorrection = ensemble.Temperatures?.AfterPriorCorrection ?? true,
            TemperaturesFittedOn = ensemble.Temperatures?.FittedOn,
        };
        var members = ensemble.Members.Select(m =>
        {
            using var buffer = new MemoryStream();
            ModelFile.Write(m, buffer);
            return buffer.ToArray();
        }).ToList();
        FileSections.WriteChecked(stream, Magic, FormatVersion, writer =>
        {
            FileSections.WriteSection(writer, JsonSerializer.SerializeToUtf8Bytes(metadata));
            members.ForEach(m => FileSections.WriteSection(writer, m));
        });
    }

    /// <summary>Reads an ensemble from a stream in the file format.</summary>
    /// <param name="stream">A readable stream at the start of the ensemble.</param>
    /// <param name="sourceName">Names the source in messages.</param>
    /// <param name="device">The device to load onto. Default "cpu".</param>
    /// <returns>The ensemble.</returns>
    /// <exception cref="InvalidDataException">See <c>Load</c>.</exception>
    public static MultiHeadEnsemble Read(Stream stream, string sourceName, string device = "cpu")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (_, payload) = FileSections.ReadChecked(stream, Magic, 1, FormatVersion, sourceName, "ensemble");
        using var reader = payload;
        EnsembleMetadata metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<EnsembleMetadata>(FileSections.ReadSection(reader, sourceName, "metadata"))
                ?? throw new InvalidDataException($"'{sourceName}' has empty ensemble metadata.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{sourceName}' has corrupt ensemble metadata: {e.Message}", e);
        }

        if (metadata.Members is < 1 or > MaximumMembers)
        {
            throw new InvalidDataException($"'{sourceName}' has an invalid ensemble: Members is {metadata.Members}, outside 1..{MaximumMembers}.");
        }

        var members = new List<MultiHeadModel>();
        try
        {
            for (int i = 0; i < metadata.Members; i++)
            {
                members.Add(ModelFile.Read(new MemoryStream(FileSections.ReadSection(reader, sourceName, $"member {i}")), $"{sourceName} (member {i})", null, device));
            }

            return Rebuild(members, metadata, sourceName);
        }
        catch
        {
            members.ForEach(m => m.Dispose());
            throw;
        }
    }

    private static MultiHeadEnsemble Rebuild(List<MultiHeadModel> members, EnsembleMetadata metadata, string sourceName)
    {
        try
        {
            return new MultiHeadEnsemble(members)
            {
                Temperatures = metadata.Temperatures is { } t ? new FittedTemperatures(t, metadata.TemperaturesAfterPriorCorrection, metadata.TemperaturesFittedOn) : null,
            };
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{sourceName}' has an invalid ensemble: {e.Message}", e);
        }
    }

    private sealed record EnsembleMetadata
    {
        public string? LibraryVersion { get; init; }

        public int Members { get; init; }

        public Dictionary<string, double>? Temperatures { get; init; }

        public bool TemperaturesAfterPriorCorrection { get; init; } = true;

        public DataFingerprint? TemperaturesFittedOn { get; init; }
    }
}
