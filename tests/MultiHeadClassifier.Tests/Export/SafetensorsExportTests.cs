using System.Text;
using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Export;
using MultiHeadClassifier.Modeling;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Export;

/// <summary>The safetensors pair: round trips in .NET, the documented layout, and errors that name the file.</summary>
public sealed class SafetensorsExportTests : IClassFixture<TrainedExportModel>, IDisposable
{
    private readonly TrainedExportModel _trained;
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-safetensors-").FullName;

    public SafetensorsExportTests(TrainedExportModel trained) => _trained = trained;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void When_a_trained_model_is_exported_and_imported_it_should_predict_the_same_logits_bit_for_bit_and_keep_its_state()
    {
        // Arrange
        var model = _trained.Model;
        model.Temperatures = _trained.PriorTemperatures;
        string path = Path.Combine(_folder, "model.safetensors");
        var x = ExportAssertions.RandomFeatures(50, 8, seed: 1);

        // Act
        model.ExportSafetensors(path);
        using var imported = MultiHeadModel.ImportSafetensors(path);

        // Assert
        foreach (string head in TestData.HeadNames)
        {
            imported.Predict(x)[head].Should().BeEquivalentTo(model.Predict(x)[head], o => o.WithStrictOrdering());
            imported.ClassWeights![head].Should().Equal(model.ClassWeights![head]);
        }

        imported.Standardizer!.Means.Should().Equal(model.Standardizer!.Means);
        imported.Standardizer.Scales.Should().Equal(model.Standardizer.Scales);
        imported.Temperatures!.PerHead.Should().Equal(model.Temperatures.PerHead);
        imported.Temperatures.AfterPriorCorrection.Should().BeTrue();
        imported.FittedOn.Should().Be(model.FittedOn);
        imported.BackboneOptions.Should().BeEquivalentTo(model.BackboneOptions);
        imported.Heads.Should().BeEquivalentTo(model.Heads);
    }

    [Fact]
    public void When_exported_it_should_write_the_documented_tensor_names_shapes_and_sidecar()
    {
        // Arrange: hidden [16, 8] with dropout: Linear 0, ReLU 1, Dropout 2, Linear 3, ReLU 4, Dropout 5.
        string path = Path.Combine(_folder, "layout.safetensors");

        // Act
        _trained.Model.ExportSafetensors(path);
        var file = SafetensorsFile.Parse(File.ReadAllBytes(path), path);
        using var sidecar = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder, "layout.json")));

        // Assert
        file.Entries.Select(e => $"{e.Name} {e.Dtype} [{string.Join(", ", e.Shape)}]").Should().Equal(
            "backbone.layers.0.weight F32 [16, 8]",
            "backbone.layers.0.bias F32 [16]",
            "backbone.layers.3.weight F32 [8, 16]",
            "backbone.layers.3.bias F32 [8]",
            "heads.weight F32 [20, 8]",
            "heads.bias F32 [20]");
        file.Metadata["format"].Should().Be("pt");
        var root = sidecar.RootElement;
        root.GetProperty("format").GetString().Should().Be("multiheadclassifier-safetensors");
        root.GetProperty("backbone").GetProperty("activation").GetString().Should().Be("relu");
        root.GetProperty("standardizer").GetProperty("means").GetArrayLength().Should().Be(8);
        root.GetProperty("heads")[2].GetProperty("name").GetString().Should().Be("acting");
        root.GetProperty("class_weights").GetProperty("acting").GetArrayLength().Should().Be(5);
    }

    [Fact]
    public void When_a_custom_backbone_with_batch_norm_is_exported_it_should_import_with_a_factory_and_predict_the_same()
    {
        // Arrange
        static nn.Module<Tensor, Tensor> Backbone() => nn.Sequential(nn.Linear(8, 6), nn.BatchNorm1d(6), nn.Tanh());
        var backbone = Backbone();
        backbone.train();
        using (no_grad())
        {
            backbone.forward(randn(32, 8) + 3).Dispose();
        }

        using var model = MultiHeadModel.Create(8, TestData.Heads(), backbone, 6, new MultiHeadModelOptions { Seed = 2 });
        string path = Path.Combine(_folder, "custom.safetensors");
        var x = ExportAssertions.RandomFeatures(20, 8, seed: 2);

        // Act
        model.ExportSafetensors(path);
        var withoutFactory = () => MultiHeadModel.ImportSafetensors(path);
        using var imported = MultiHeadModel.ImportSafetensors(path, Backbone);

        // Assert
        imported.Predict(x)["plot"].Should().BeEquivalentTo(model.Predict(x)["plot"], o => o.WithStrictOrdering());
        withoutFactory.Should().Throw<ArgumentException>().WithMessage("*custom backbone*factory*");
        SafetensorsFile.Parse(File.ReadAllBytes(path), path).Entries.Should().Contain(e => e.Name == "backbone.1.num_batches_tracked" && e.Dtype == "I64");
    }

    [Fact]
    public void When_the_sidecar_is_missing_it_should_throw_FileNotFoundException_naming_it()
    {
        // Arrange
        string path = Path.Combine(_folder, "alone.safetensors");
        _trained.Model.ExportSafetensors(path);
        File.Delete(Path.Combine(_folder, "alone.json"));

        // Act
        var act = () => MultiHeadModel.ImportSafetensors(path);

        // Assert
        act.Should().Throw<FileNotFoundException>().WithMessage($"*{Path.Combine(_folder, "alone.json")}*");
    }

    [Fact]
    public void When_one_weight_is_altered_it_should_throw_InvalidDataException_naming_the_safetensors_file()
    {
        // Arrange: one bit of the last float of the data flipped; the file still parses.
        string path = Path.Combine(_folder, "altered.safetensors");
        _trained.Model.ExportSafetensors(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^2] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        // Act
        var act = () => MultiHeadModel.ImportSafetensors(path);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"The tensor data of '{path}' does not match*altered*");
    }

    [Fact]
    public void When_a_temperature_in_the_sidecar_is_edited_it_should_throw_InvalidDataException_naming_the_sidecar()
    {
        // Arrange
        var model = _trained.Model;
        model.Temperatures = _trained.PriorTemperatures;
        string path = Path.Combine(_folder, "edited.safetensors");
        model.ExportSafetensors(path);
        string sidecar = Path.Combine(_folder, "edited.json");
        string text = File.ReadAllText(sidecar);
        File.WriteAllText(sidecar, text.Replace("\"after_prior_correction\": true", "\"after_prior_correction\": false", StringComparison.Ordinal), Encoding.UTF8);

        // Act
        var act = () => MultiHeadModel.ImportSafetensors(path);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"The sidecar '{sidecar}' does not match*altered*");
    }

    [Fact]
    public void When_the_path_ends_in_json_it_should_refuse_it_because_the_sidecar_would_overwrite_it()
    {
        // Act
        var act = () => _trained.Model.ExportSafetensors(Path.Combine(_folder, "model.json"));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*.json*sidecar*");
    }
}
