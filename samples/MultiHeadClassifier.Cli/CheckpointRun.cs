using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultiHeadClassifier.Cli;

/// <summary>
/// <c>checkpoint.json</c>, written by <c>mhc train --checkpoint-every</c> next to <c>checkpoint.mhcckpt</c> when a
/// run starts: what <c>--resume</c> needs to check that it continues the same run and that is not in the checkpoint
/// itself, namely the SHA-256 of the training and validation files and the trainer options (batch size, learning
/// rate, early stopping, missing-feature handling). The model's heads, class counts, class weights and layers are
/// in the checkpoint and are checked against it directly.
/// </summary>
/// <remarks>
/// The same training file gives the same feature columns and, with <c>--missing-features mean</c>, the same
/// imputation means, so a resumed run recomputes them and writes <c>features.json</c> and <c>imputation.json</c>
/// exactly as the uninterrupted run would have.
/// </remarks>
/// <param name="TrainSha256">Lower-case hex SHA-256 of the training file's bytes.</param>
/// <param name="ValidSha256">The same for the validation file, or null without one.</param>
/// <param name="Options">Option name → canonical value, for the options that must not change on resume.</param>
internal sealed record CheckpointRun(
    [property: JsonPropertyName("train_sha256")] string TrainSha256,
    [property: JsonPropertyName("valid_sha256")] string? ValidSha256,
    [property: JsonPropertyName("options")] SortedDictionary<string, string> Options)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Describes a run about to start or resume.</summary>
    /// <param name="train">The training file.</param>
    /// <param name="valid">The validation file, or null.</param>
    /// <param name="options">The options that must not change on resume, by name.</param>
    /// <returns>The description.</returns>
    public static CheckpointRun Describe(string train, string? valid, IDictionary<string, string> options) =>
        new(Sha256(train), valid is null ? null : Sha256(valid), new SortedDictionary<string, string>(options, StringComparer.Ordinal));

    /// <summary>Reads <c>checkpoint.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The recorded run.</returns>
    /// <exception cref="CliException">The file is missing or unreadable.</exception>
    public static CheckpointRun Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: not found; it is written with the checkpoint by 'mhc train --checkpoint-every' and is needed to check that --resume continues the same run.");
        }

        try
        {
            var run = JsonSerializer.Deserialize<CheckpointRun>(File.ReadAllText(path), JsonOptions);
            return run is { TrainSha256: not null, Options: not null } ? run : throw new JsonException("missing 'train_sha256' or 'options'");
        }
        catch (JsonException e)
        {
            throw new CliException($"{path}: not a checkpoint description ({e.Message}).", e);
        }
    }

    /// <summary>Writes <c>checkpoint.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <remarks>Atomically, like the checkpoint it describes: written beside the target, then renamed over it.</remarks>
    public void Save(string path)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, JsonOptions));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Checks that <paramref name="current"/> continues this recorded run.</summary>
    /// <param name="current">The resuming command's description.</param>
    /// <param name="trainName">The training file's name, for the message.</param>
    /// <param name="validName">The validation file's name, or null.</param>
    /// <exception cref="CliException">The data or an option differs; the message names it.</exception>
    public void RequireSameRun(CheckpointRun current, string trainName, string? validName)
    {
        if (!string.Equals(TrainSha256, current.TrainSha256, StringComparison.Ordinal))
        {
            throw new CliException($"--resume: {trainName} is not the training data of the checkpointed run (its SHA-256 differs); give the original file, or train afresh without --resume.");
        }

        if (ValidSha256 is null != current.ValidSha256 is null)
        {
            throw new CliException(ValidSha256 is null
                ? "--resume: the checkpointed run had no --valid data; leave --valid out."
                : "--resume: the checkpointed run had --valid data; give the same --valid file.");
        }

        if (ValidSha256 is not null && !string.Equals(ValidSha256, current.ValidSha256, StringComparison.Ordinal))
        {
            throw new CliException($"--resume: {validName} is not the validation data of the checkpointed run (its SHA-256 differs); give the original file.");
        }

        foreach (var (name, recorded) in Options)
        {
            string now = current.Options.GetValueOrDefault(name, "(none)");
            if (!string.Equals(recorded, now, StringComparison.Ordinal))
            {
                throw new CliException($"--resume: {name} is {now}, but the checkpointed run used {recorded}; give the original run's options.");
            }
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
