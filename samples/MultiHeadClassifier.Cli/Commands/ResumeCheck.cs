using System.Globalization;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Cli.Commands;

/// <summary>
/// Checks that a <c>--resume</c> command line describes the model its checkpoint holds: the feature count, the
/// heads and class counts, the class weighting, the backbone and the seed. (The data files and the options the
/// checkpoint does not record are checked against <c>checkpoint.json</c> by <see cref="CheckpointRun"/>.)
/// </summary>
internal static class ResumeCheck
{
    /// <summary>Throws when the options or data would build a different model than the checkpoint's.</summary>
    /// <param name="checkpoint">The loaded checkpoint.</param>
    /// <param name="settings">The resuming command's options.</param>
    /// <param name="inputs">The resuming command's data.</param>
    /// <exception cref="CliException">Something differs; the message names the option and both values.</exception>
    public static void RequireSameModel(TrainingCheckpoint checkpoint, TrainSettings settings, TrainInputs inputs)
    {
        var model = checkpoint.Model;
        static string Describe(IEnumerable<HeadDefinition> hs) => string.Join(", ", hs.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Name} (K={h.ClassCount})")));
        if (model.InputWidth != inputs.Features.Length)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--resume: {inputs.TrainName} has {inputs.Features.Length} feature columns, but the checkpoint's model takes {model.InputWidth}."));
        }

        if (!model.Heads.Select(h => (h.Name, h.ClassCount)).SequenceEqual(inputs.Heads.Select(h => (h.Name, h.ClassCount))))
        {
            throw new CliException($"--resume: --heads and --classes give {Describe(inputs.Heads)}, but the checkpoint's model has {Describe(model.Heads)}; give the original run's options.");
        }

        var losses = OptionParsers.Losses(settings.Loss, settings.Heads);
        if (model.Heads.Select((h, i) => (h, i)).FirstOrDefault(p => p.h.Loss != losses[p.i]).h is { } lossHead)
        {
            throw new CliException($"--resume: --loss gives head '{lossHead.Name}' {losses[model.Heads.ToList().IndexOf(lossHead)]}, but the checkpoint's model trains it with {lossHead.Loss}; give the original run's options.");
        }

        if (model.Heads.FirstOrDefault(h => h.Weighting != settings.Weighting) is { } head)
        {
            throw new CliException($"--resume: --class-weights {settings.Weighting.Name} differs from the checkpoint's model, whose head '{head.Name}' uses {head.Weighting.Name} (or other parameters); give the original run's options.");
        }

        var backbone = model.BackboneOptions;
        if (backbone is null || !backbone.HiddenSizes.SequenceEqual(settings.Hidden))
        {
            throw new CliException($"--resume: --hidden {string.Join(",", settings.Hidden)} differs from the checkpoint's model ({(backbone is null ? "a custom backbone" : string.Join(",", backbone.HiddenSizes))}); give the original run's options.");
        }

        if (backbone.Dropout != settings.Dropout)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--resume: --dropout {settings.Dropout:R} differs from the checkpoint's model ({backbone.Dropout:R}); give the original run's options."));
        }

        if (settings.Seed is { } seed && seed != checkpoint.Seed)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--resume: --seed {seed} differs from the checkpointed run's seed {checkpoint.Seed}; leave --seed out to use the checkpoint's."));
        }
    }
}
