using System.Diagnostics;
using FluentAssertions;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Persistence;

/// <summary>
/// Seeded, structure-aware fuzzing of the model and checkpoint loaders. Each case decodes a valid file into its
/// parts (<see cref="ModelFileParts"/>, <see cref="CheckpointParts"/>), changes what it says (<see cref="FileMutations"/>) and encodes it again with a
/// valid checksum, as someone editing the file on purpose would. Every case must end in a clean load that predicts
/// finite values (a checkpoint also resumes for one epoch), or in an <see cref="InvalidDataException"/> naming the
/// file; any other exception fails the test, listing every such case.
/// </summary>
/// <remarks>
/// A native abort kills the test host and with it the report. To find the case, set the environment variable
/// <c>MHC_FUZZ_TRACE</c> to a file path: each case's description is appended to it before the case runs, and its
/// outcome (with the exception's message) after.
/// </remarks>
public sealed class StructuredLoaderFuzzTests
{
    private const int ModelCases = 320;
    private const int CheckpointCases = 240;
    private static readonly string? Trace = Environment.GetEnvironmentVariable("MHC_FUZZ_TRACE");

    [Fact]
    public void When_model_files_are_edited_and_checksummed_again_it_should_load_and_predict_finite_values_or_throw_InvalidDataException()
    {
        // Arrange: a trained model with the built-in backbone (layer norm, dropout, standardisation, class weights,
        // temperatures) and an untrained one with a custom backbone, each loaded with the same custom-backbone factory.
        var bases = new[] { TinyFiles.BuiltInModelFile(), TinyFiles.CustomModelFile() };
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();

        // Act
        for (int i = 0; i < ModelCases; i++)
        {
            var random = new Random(7_000 + i);
            var parts = ModelFileParts.Decode(bases[i % 2]);
            string what = MutateModel(parts, random);
            string name = $"model-case-{i}.mhc";
            string outcome = Run(name, what, () =>
            {
                using var model = ModelFile.Read(new MemoryStream(parts.Encode()), name, TinyFiles.CustomBackbone);
                RequireFinitePredictions(model);
            });
            Tally(outcomes, failures, i, what, outcome);
        }

        // Assert
        failures.Should().BeEmpty("every edited model file must load cleanly or be refused with InvalidDataException");
        outcomes.GetValueOrDefault("invalid").Should().BeGreaterThan(ModelCases / 2, "most edits break the file's consistency");
        outcomes.GetValueOrDefault("loaded").Should().BeGreaterThan(10, "some edits (order, names of classes, dropout, …) leave a loadable model");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the fuzz runs in the normal suite");
    }

    [Fact]
    public void When_checkpoint_files_are_edited_and_checksummed_again_it_should_load_resume_and_predict_finite_values_or_throw_InvalidDataException()
    {
        // Arrange: an Adam run with dropout and early stopping (so with best weights) and an SGD run with momentum.
        var train = TinyFiles.Data(32, seed: 1);
        var valid = TinyFiles.Data(16, seed: 2);
        var adam = new MultiHeadTrainerOptions { Epochs = 2, BatchSize = 8, Seed = 3, EarlyStoppingPatience = 5 };
        var sgd = new MultiHeadTrainerOptions { Epochs = 2, BatchSize = 8, Seed = 4, Optimizer = OptimizerKind.Sgd, Momentum = 0.9 };
        var bases = new[] { (File: TinyFiles.CheckpointFileBytes(adam, train, valid), Options: adam), (File: TinyFiles.CheckpointFileBytes(sgd, train, valid), Options: sgd) };
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();

        // Act
        for (int i = 0; i < CheckpointCases; i++)
        {
            var random = new Random(9_000 + i);
            var (file, options) = bases[i % 3 == 2 ? 1 : 0];
            var parts = CheckpointParts.Decode(file);
            string what = MutateCheckpoint(parts, random);
            string name = $"checkpoint-case-{i}.mhcckpt";
            string outcome = Run(name, what, () =>
            {
                var checkpoint = CheckpointFile.Read(new MemoryStream(parts.Encode()), name, TinyFiles.CustomBackbone);
                using var model = checkpoint.Model;
                new MultiHeadTrainer(options with { Epochs = checkpoint.CompletedEpochs + 1, Optimizer = checkpoint.Optimizer }).Resume(checkpoint, train, valid);
                RequireFinitePredictions(model);
            });
            Tally(outcomes, failures, i, what, outcome);
        }

        // Assert
        failures.Should().BeEmpty("every edited checkpoint must load and resume cleanly or be refused with InvalidDataException");
        outcomes.GetValueOrDefault("invalid").Should().BeGreaterThan(CheckpointCases / 2, "most edits break the file's consistency");
        outcomes.GetValueOrDefault("loaded").Should().BeGreaterThan(5, "some edits (a fresh generator position, order of entries, …) leave a resumable run");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the fuzz runs in the normal suite");
    }

    [Fact]
    public void When_valid_files_are_taken_apart_and_put_together_again_it_should_give_the_same_bytes()
    {
        // Arrange
        var train = TinyFiles.Data(32, seed: 1);
        byte[][] files = [TinyFiles.BuiltInModelFile(), TinyFiles.CustomModelFile(), TinyFiles.CheckpointFileBytes(new MultiHeadTrainerOptions { Epochs = 2, BatchSize = 8, Seed = 3, EarlyStoppingPatience = 5 }, train, TinyFiles.Data(16, seed: 2))];

        // Act
        var again = new[] { ModelFileParts.Decode(files[0]).Encode(), ModelFileParts.Decode(files[1]).Encode(), CheckpointParts.Decode(files[2]).Encode() };

        // Assert: the fuzz changes only what each case says it changes.
        again.Should().BeEquivalentTo(files, o => o.WithStrictOrdering());
    }

    private static string MutateModel(ModelFileParts parts, Random random)
    {
        switch (random.Next(20))
        {
            case < 7:
                var (what, raw) = FileMutations.MutateJson(parts.Metadata, random);
                parts.RawJson = raw;
                return $"metadata {what}";
            case < 9:
                return $"metadata {FileMutations.MutateSize(parts.Metadata, random)}";
            case < 17:
                return FileMutations.MutateStateDict(parts.Weights, random, "state dict");
            case 17:
                long jsonLength = FileMutations.EdgeLength(parts.Metadata.ToJsonString().Length, random);
                parts.JsonLength = (int)Math.Clamp(jsonLength, int.MinValue, int.MaxValue);
                return $"metadata length {parts.JsonLength}";
            case 18:
                parts.WeightsLength = FileMutations.EdgeLength(parts.Weights.Encode().Length, random);
                return $"state dict length {parts.WeightsLength}";
            default:
                if (random.Next(2) == 0)
                {
                    parts.Trailing = [0, 1];
                    return "2 bytes after the last section";
                }

                parts.Version = new[] { 2, 1, 4, 0, -1 }[random.Next(5)];
                return $"format version {parts.Version}";
        }
    }

    private static string MutateCheckpoint(CheckpointParts parts, Random random)
    {
        switch (random.Next(20))
        {
            case < 6:
                var (what, raw) = FileMutations.MutateJson(parts.Metadata, random);
                parts.RawJson = raw;
                return $"metadata {what}";
            case < 9:
                return $"model: {MutateModel(parts.Model, random)}";
            case < 12:
                return FileMutations.MutateOptimizer(parts.Optimizer, random);
            case < 15:
                bool shuffle = random.Next(2) == 0;
                if (shuffle)
                {
                    parts.Shuffle = FileMutations.MutateGenerator(parts.Shuffle, random, out string change);
                    return $"shuffle generator: {change}";
                }
                else
                {
                    parts.Dropout = FileMutations.MutateGenerator(parts.Dropout, random, out string change);
                    return $"dropout generator: {change}";
                }

            case < 17:
                if (parts.BestWeights is { } best && random.Next(4) != 0)
                {
                    return FileMutations.MutateStateDict(best, random, "best weights");
                }

                parts.BestWeights = parts.BestWeights is null ? parts.Model.Weights.Clone() : null;
                return parts.BestWeights is null ? "best weights removed" : "best weights added";
            case 17:
                int section = random.Next(6);
                parts.Lengths[section] = FileMutations.EdgeLength(parts.Sections()[section].Length, random);
                return $"section {section} length {parts.Lengths[section]}";
            case 18:
                parts.Trailing = [7];
                return "a byte after the last section";
            default:
                parts.Version = new[] { 0, 2, -1 }[random.Next(3)];
                return $"format version {parts.Version}";
        }
    }

    /// <summary>Runs one case: "loaded", "invalid" (an InvalidDataException naming the file), or a description of the failure.</summary>
    private static string Run(string name, string what, Action load)
    {
        Log($"{name}: {what}");
        try
        {
            load();
            Log("  loaded");
            return "loaded";
        }
        catch (InvalidDataException e) when (e.Message.Contains(name, StringComparison.Ordinal))
        {
            Log($"  {e.Message}");
            return "invalid";
        }
        catch (Exception e)
        {
            Log($"  FAILED {e.GetType().Name}: {e.Message}");
            return $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
    }

    private static void Log(string line)
    {
        if (Trace is not null)
        {
            File.AppendAllText(Trace, line + Environment.NewLine);
        }
    }

    private static void Tally(Dictionary<string, int> outcomes, List<string> failures, int index, string what, string outcome)
    {
        if (outcome is "loaded" or "invalid")
        {
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        else
        {
            failures.Add($"case {index} ({what}): {outcome}");
        }
    }

    private static void RequireFinitePredictions(MultiHeadModel model)
    {
        var rows = Enumerable.Range(0, 3).Select(r => Enumerable.Range(0, model.InputWidth).Select(j => (float)Math.Sin(r + j)).ToArray()).ToArray();
        foreach (var (head, logits) in model.Predict(rows).Logits)
        {
            if (logits.Cast<float>().Any(v => !float.IsFinite(v)))
            {
                throw new InvalidOperationException($"head '{head}' predicts a NaN or infinite logit after a clean load");
            }
        }
    }
}
