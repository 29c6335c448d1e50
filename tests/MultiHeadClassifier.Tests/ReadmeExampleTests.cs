using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests;

/// <summary>The README's usage example, verbatim between the markers, so that it keeps compiling and running.</summary>
public sealed class ReadmeExampleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-readme-").FullName;
    private readonly string _previousDirectory = Directory.GetCurrentDirectory();

    public ReadmeExampleTests() => Directory.SetCurrentDirectory(_folder);

    public void Dispose()
    {
        Directory.SetCurrentDirectory(_previousDirectory);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void When_the_readme_example_runs_it_should_train_correct_save_and_reload()
    {
        // README example begins.
        var data = SyntheticRatings.Generate();                     // or new MultiHeadDataset(float[,] x, int[,] y), −1 = missing
        var (train, valid) = (data.Slice(0, 5000), data.Slice(5000, 1200));
        string[] names = ["plot", "dialog", "acting", "makeup"];
        var heads = names.Select(n => new HeadDefinition(n, classCount: 5, weighting: ClassWeighting.Balanced())).ToArray();

        using var model = MultiHeadModel.Create(data.FeatureCount, heads, new MultiHeadModelOptions { Seed = 1 });
        var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 10, EarlyStoppingPatience = 3, Seed = 1 });
        TrainingHistory history = trainer.Fit(model, train, valid);

        var raw = model.Predict(valid);                             // raw logits per head: raw["acting"] is float[rows, 5]
        var temperatures = ModelCorrections.FitTemperatures(model, valid);  // opt-in correction, fitted on held-out data
        var corrected = ModelCorrections.Apply(model, raw, LogitCorrection.PriorAndTemperature, temperatures);
        model.Temperatures = temperatures;                          // attach explicitly: saved with the model
        var probabilities = ModelCorrections.Probabilities(corrected);
        model.Save("ratings.mhc");                                  // Persistence: model.Save / MultiHeadModel.Load
        using var reloaded = MultiHeadModel.Load("ratings.mhc");
        // README example ends.

        history.Epochs.Should().NotBeEmpty();
        raw["acting"].GetLength(1).Should().Be(5);
        for (int r = 0; r < 10; r++)
        {
            Enumerable.Range(0, 5).Sum(c => probabilities["acting"][r, c]).Should().BeApproximately(1.0, 1e-9);
        }

        reloaded.Predict(valid)["plot"].Should().BeEquivalentTo(raw["plot"], o => o.WithStrictOrdering());
    }

    [Fact]
    public void When_the_readme_is_read_it_should_hold_this_tests_example()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        string test = File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "MultiHeadClassifier.Tests", "ReadmeExampleTests.cs"));
        string example = test.Split("// README example begins.")[1].Split("// README example ends.")[0];

        foreach (var line in example.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            readme.Should().Contain(line);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MultiHeadClassifier.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
