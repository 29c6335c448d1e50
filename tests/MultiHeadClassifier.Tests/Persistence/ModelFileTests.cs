using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Internal;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Persistence;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-persistence-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static MultiHeadModel TrainedModel(Action<MultiHeadModelOptions>? _ = null)
    {
        var heads = new HeadDefinition[]
        {
            new("plot", 5, classNames: ["1★", "2★", "3★", "4★", "5★"], weighting: ClassWeighting.EffectiveNumber(0.99)),
            new("dialog", 5, weighting: ClassWeighting.Balanced()),
            new("acting", 5, weighting: ClassWeighting.Explicit(5f, 4f, 3f, 2f, 1f), lossWeight: 2),
            new("makeup", 5),
        };
        var model = MultiHeadModel.Create(8, heads, new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [16, 8], LayerNorm = true, Activation = Activation.GELU, Dropout = 0.1 } });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 2, Seed = 1 }).Fit(model, TestData.Ratings(300, seed: 1));
        model.Temperatures = new FittedTemperatures(new Dictionary<string, double> { ["plot"] = 1.5 }, afterPriorCorrection: false, DataFingerprint.Of(TestData.Ratings(10, seed: 1)));
        return model;
    }

    [Fact]
    public void When_a_model_is_saved_and_loaded_it_should_give_identical_logits_and_metadata()
    {
        // Arrange
        using var model = TrainedModel();
        string path = Path.Combine(_folder, "model.mhc");
        var rows = TestData.Rows(TestData.Ratings(50, seed: 2));

        // Act
        model.Save(path);
        using var loaded = MultiHeadModel.Load(path);

        // Assert
        foreach (var head in TestData.HeadNames)
        {
            loaded.Predict(rows)[head].Should().BeEquivalentTo(model.Predict(rows)[head], o => o.WithStrictOrdering());
        }

        loaded.Heads.Select(h => (h.Name, h.ClassCount, h.LossWeight, h.Weighting.Name)).Should().Equal(model.Heads.Select(h => (h.Name, h.ClassCount, h.LossWeight, h.Weighting.Name)));
        loaded.Heads[0].ClassNames.Should().Equal("1★", "2★", "3★", "4★", "5★");
        loaded.ClassWeights!["dialog"].Should().Equal(model.ClassWeights!["dialog"]);
        loaded.Standardizer!.Means.Should().Equal(model.Standardizer!.Means);
        loaded.BackboneOptions.Should().BeEquivalentTo(model.BackboneOptions);
        loaded.Temperatures.Should().BeEquivalentTo(model.Temperatures);
        loaded.Temperatures!.AfterPriorCorrection.Should().BeFalse();
        loaded.FittedOn.Should().Be(DataFingerprint.Of(TestData.Ratings(300, seed: 1)), "the model records the data it was fitted on");
    }

    [Fact]
    public void When_the_state_dict_is_listed_it_should_have_the_backbone_and_fused_head_keys()
    {
        using var model = TrainedModel();

        var keys = model.Network.state_dict().Keys;

        keys.Should().Contain(["heads.weight", "heads.bias", "backbone.layers.0.weight"]);
    }

    [Fact]
    public void When_a_custom_backbone_is_used_it_should_load_the_weights_into_the_callers_instance()
    {
        // Arrange
        var heads = TestData.Heads();
        using var model = MultiHeadModel.Create(8, heads, nn.Sequential(nn.Linear(8, 6), nn.Tanh()), 6, new MultiHeadModelOptions { Seed = 2 });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1, Seed = 1 }).Fit(model, TestData.Ratings(200, seed: 3));
        string path = Path.Combine(_folder, "custom.mhc");
        var rows = TestData.Rows(TestData.Ratings(20, seed: 4));
        model.Save(path);

        // Act
        var withoutFactory = () => MultiHeadModel.Load(path);
        using var loaded = MultiHeadModel.Load(path, () => nn.Sequential(nn.Linear(8, 6), nn.Tanh()));

        // Assert
        withoutFactory.Should().Throw<ArgumentException>().WithMessage("*custom backbone*factory*");
        loaded.Predict(rows)["acting"].Should().BeEquivalentTo(model.Predict(rows)["acting"], o => o.WithStrictOrdering());
    }

    [Fact]
    public void When_the_file_is_not_a_model_it_should_say_so()
    {
        string path = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(path, "these are not weights");

        var act = () => MultiHeadModel.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' is not a MultiHeadClassifier model file*");
    }

    [Fact]
    public void When_the_file_is_truncated_it_should_say_so()
    {
        using var model = TrainedModel();
        string path = Path.Combine(_folder, "model.mhc");
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);

        foreach (int length in new[] { 10, 20, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(path, bytes[..length]);
            var act = () => MultiHeadModel.Load(path);
            act.Should().Throw<InvalidDataException>().WithMessage("*truncated*", $"a file cut at {length} of {bytes.Length} bytes is truncated");
        }
    }

    [Fact]
    public void When_a_file_written_by_format_version_2_is_loaded_it_should_predict_the_logits_recorded_when_it_was_written()
    {
        // Arrange: a model file and the logits its writer predicted, both from the release before version 3
        // (Fixtures/README.md says how they were made).
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Persistence", "Fixtures");
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "model-v2.expected.json")));
        var root = expected.RootElement;
        float[][] features = [.. root.GetProperty("features").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray())];

        // Act
        using var model = MultiHeadModel.Load(Path.Combine(fixtures, "model-v2.mhc"));
        var logits = model.Predict(features);

        // Assert
        model.Heads.Select(h => h.Weighting.Name).Should().Equal("balanced", "inverse-sqrt", "effective-number");
        foreach (var head in root.GetProperty("logits").EnumerateObject())
        {
            float[] recorded = [.. head.Value.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle()))];
            logits[head.Name].Cast<float>().Should().Equal(recorded, $"head {head.Name} must predict what the writing release predicted");
        }

        foreach (var head in root.GetProperty("class_weights").EnumerateObject())
        {
            model.ClassWeights![head.Name].Should().Equal(head.Value.EnumerateArray().Select(v => v.GetSingle()));
        }

        foreach (var head in root.GetProperty("temperatures").EnumerateObject())
        {
            model.Temperatures![head.Name].Should().Be(head.Value.GetDouble());
        }
    }

    [Fact]
    public void When_a_version_2_file_is_saved_again_it_should_be_written_as_version_3_with_the_weighting_names_of_the_factories()
    {
        // Arrange
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Persistence", "Fixtures");
        using var model = MultiHeadModel.Load(Path.Combine(fixtures, "model-v2.mhc"));
        string path = Path.Combine(_folder, "resaved.mhc");

        // Act
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        string text = System.Text.Encoding.UTF8.GetString(bytes);
        using var reloaded = ModelFile.Load(path);

        // Assert
        BitConverter.ToInt32(bytes, 8).Should().Be(3);
        text.Should().Contain("\"Name\":\"inverse-sqrt\"").And.Contain("\"Name\":\"effective-number\"").And.NotContain("\"Name\":\"sqrt\"");
        reloaded.Heads.Select(h => h.Weighting).Should().Equal(model.Heads.Select(h => h.Weighting));
    }

    [Fact]
    public void When_a_model_with_ordinal_heads_is_saved_and_loaded_it_should_keep_each_heads_loss_and_outputs()
    {
        // Arrange
        HeadDefinition[] heads = [new("a", 5), new("b", 4, loss: HeadLoss.Corn), new("c", 3, loss: HeadLoss.Coral)];
        using var model = MultiHeadModel.Create(8, heads, new MultiHeadModelOptions { Seed = 3 });
        var rows = TestData.Rows(TestData.Ratings(20, seed: 2));
        string path = Path.Combine(_folder, "ordinal.mhc");

        // Act
        model.Save(path);
        using var loaded = MultiHeadModel.Load(path);

        // Assert
        loaded.Heads.Select(h => h.Loss).Should().Equal(HeadLoss.CrossEntropy, HeadLoss.Corn, HeadLoss.Coral);
        foreach (var head in new[] { "a", "b", "c" })
        {
            loaded.Predict(rows)[head].Should().BeEquivalentTo(model.Predict(rows)[head], o => o.WithStrictOrdering());
        }
    }

    [Fact]
    public void When_the_format_version_is_newer_it_should_ask_for_an_upgrade()
    {
        using var model = TrainedModel();
        string path = Path.Combine(_folder, "model.mhc");
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(ModelFile.FormatVersion + 1).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var act = () => MultiHeadModel.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"*format version {ModelFile.FormatVersion + 1}*Upgrade*");
    }

    [Fact]
    public void When_the_format_version_is_the_pre_release_per_head_layout_it_should_ask_to_save_again()
    {
        using var model = TrainedModel();
        string path = Path.Combine(_folder, "model.mhc");
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(1).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var act = () => MultiHeadModel.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"*model.mhc' has model format version 1*pre-release*reads versions {ModelFile.OldestFormatVersion} to {ModelFile.FormatVersion}*");
    }

    [Fact]
    public void When_the_weights_do_not_match_the_architecture_it_should_say_so()
    {
        // Arrange: a model saved with a custom [8 → 6] backbone, loaded with a factory for an [8 → 4 → 6] one.
        using var model = MultiHeadModel.Create(8, TestData.Heads(), nn.Sequential(nn.Linear(8, 6), nn.Tanh()), 6, new MultiHeadModelOptions { Seed = 2 });
        string path = Path.Combine(_folder, "custom.mhc");
        model.Save(path);

        // Act
        var act = () => MultiHeadModel.Load(path, () => nn.Sequential(nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 6)));

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{path}' has an invalid model: the state dict has 'backbone.0.weight' with shape [6, 8], but the model built from the custom backbone and the metadata needs [4, 8].");
    }

    [Fact]
    public void When_one_weight_byte_changes_it_should_report_corruption_instead_of_loading_other_weights()
    {
        // Arrange: the last bytes before the 32-byte checksum belong to the weights.
        using var model = TrainedModel();
        string path = Path.Combine(_folder, "model.mhc");
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^40] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        // Act
        var act = () => MultiHeadModel.Load(path);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}' is truncated or corrupt: its checksum does not match*");
    }

    [Fact]
    public void When_a_save_fails_midway_it_should_leave_the_previous_file_intact()
    {
        // Arrange
        string path = Path.Combine(_folder, "model.mhc");
        File.WriteAllText(path, "previous good content");

        // Act: the writer throws after writing part of the new content.
        var act = () => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("disk full");
        });

        // Assert
        act.Should().Throw<IOException>().WithMessage("disk full");
        File.ReadAllText(path).Should().Be("previous good content");
        Directory.GetFiles(_folder).Should().Equal(path);
    }
}
