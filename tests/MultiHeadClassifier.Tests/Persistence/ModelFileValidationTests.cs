using System.Text.Json.Nodes;
using FluentAssertions;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using Xunit;

namespace MultiHeadClassifier.Tests.Persistence;

/// <summary>
/// Model files edited on purpose and given a valid checksum again: each is refused before anything is allocated for
/// it, with an <see cref="InvalidDataException"/> that names the file and the field.
/// </summary>
public sealed class ModelFileValidationTests
{
    private const string Name = "edited.mhc";

    [Fact]
    public void When_a_hidden_width_is_edited_to_two_billion_it_should_name_the_field_and_the_bound_instead_of_allocating()
    {
        // Arrange: issue 16. [128, 64] → [2000000000, 64] asked libtorch for 8 billion floats per input feature.
        using var model = MultiHeadModel.Create(TinyFiles.Features, TinyFiles.Heads, new MultiHeadModelOptions { Seed = 1, Backbone = new() { HiddenSizes = [128, 64] } });
        var parts = PartsOf(model);
        parts.Metadata["Backbone"]!["HiddenSizes"]![0] = 2_000_000_000;

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' has an invalid model: Backbone.HiddenSizes[0] is 2000000000, above the limit of {ModelFile.MaxHiddenWidth:N0} (ModelFile.MaxHiddenWidth).");
    }

    [Fact]
    public void When_a_hidden_width_is_within_bounds_but_not_the_weights_it_should_name_both_shapes()
    {
        // Arrange
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        parts.Metadata["Backbone"]!["HiddenSizes"]![0] = 60_000;

        // Act
        var act = () => Read(parts);

        // Assert: input 4 → hidden 5 in the file; the metadata now says 60,000.
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' has an invalid model: the state dict has 'backbone.layers.0.weight' with shape [5, 4], but the architecture in the metadata needs [60000, 4].");
    }

    [Fact]
    public void When_the_architecture_has_more_parameters_than_the_bound_it_should_count_them()
    {
        // Arrange: input 4, hidden [65536, 65536], heads of 3 + 2 classes.
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        parts.Metadata["Backbone"]!["HiddenSizes"] = new JsonArray(65_536, 65_536);
        parts.Metadata["Backbone"]!["LayerNorm"] = false;
        parts.Metadata["BackboneOutputWidth"] = 65_536;
        long expected = ((4 + 1) * 65_536L) + ((65_536 + 1) * 65_536L) + ((65_536 + 1) * 5L);

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' has an invalid model: the architecture has {expected:N0} parameters, above the limit of {ModelFile.MaxParameterCount:N0} (ModelFile.MaxParameterCount).");
    }

    [Theory]
    [InlineData("InputWidth", 2_000_000_000, "InputWidth is 2000000000, above the limit of 1,048,576 (ModelFile.MaxInputWidth)")]
    [InlineData("InputWidth", 0, "InputWidth is 0; it must be at least 1")]
    [InlineData("BackboneOutputWidth", 4, "BackboneOutputWidth is 4, but the backbone's last layer has width 3")]
    public void When_a_width_is_edited_it_should_name_the_field(string field, int value, string problem)
    {
        // Arrange
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        parts.Metadata[field] = value;

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid model: {problem}.");
    }

    [Fact]
    public void When_two_heads_have_the_same_name_it_should_name_both()
    {
        // Arrange
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        parts.Metadata["Heads"]![1]!["Name"] = "plot";

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid model: Heads[1].Name 'plot' is also the name of Heads[0].");
    }

    [Theory]
    [InlineData("$.Heads[0].Name", "Heads[0].Name is missing")]
    [InlineData("$.Heads[1].ClassNames", "Heads[1].ClassNames is missing")]
    [InlineData("$.Heads[0].Weighting", "Heads[0].Weighting is missing")]
    [InlineData("$.ClassWeights.plot", "ClassWeights['plot'] is null")]
    [InlineData("$.LibraryVersion", "LibraryVersion is missing")]
    public void When_a_field_is_null_it_should_name_it(string path, string problem)
    {
        // Arrange
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        SetNull(parts.Metadata, path);

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid model: {problem}.");
    }

    [Theory]
    [InlineData("StandardizerScales", 1e-300, "StandardizerScales[1] is 1E-300; it must be positive (or 0 for a constant feature) and finite as a 32-bit float")]
    [InlineData("StandardizerScales", -2.0, "StandardizerScales[1] is -2; it must be positive (or 0 for a constant feature) and finite as a 32-bit float")]
    [InlineData("StandardizerMeans", 1e300, "StandardizerMeans[1] is 1E+300; it must be finite as a 32-bit float")]
    public void When_a_standardisation_value_would_make_predictions_NaN_it_should_name_it(string field, double value, string problem)
    {
        // Arrange
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        parts.Metadata[field]![1] = value;

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid model: {problem}.");
    }

    [Fact]
    public void When_a_class_weight_or_a_temperature_is_not_positive_or_names_no_head_it_should_name_it()
    {
        // Arrange
        var weight = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        weight.Metadata["ClassWeights"]!["plot"]![2] = -1;
        var temperature = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        temperature.Metadata["Temperatures"]!["plot"] = 0;
        var stranger = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        stranger.Metadata["Temperatures"]!["story"] = 1.0;

        // Act & assert
        FluentActions.Invoking(() => Read(weight)).Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' has an invalid model: ClassWeights['plot'][2] is -1; class weights must be positive and finite.");
        FluentActions.Invoking(() => Read(temperature)).Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' has an invalid model: Temperatures['plot'] is 0; a temperature must be positive and finite.");
        FluentActions.Invoking(() => Read(stranger)).Should().Throw<InvalidDataException>()
            .WithMessage($"'{Name}' has an invalid model: Temperatures has 'story', which is not a head.");
    }

    [Fact]
    public void When_a_JSON_property_is_repeated_it_should_be_refused_rather_than_take_the_last()
    {
        // Arrange: the first InputWidth is the real one; a reader that kept the last would see 7.
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        parts.RawJson = parts.Metadata.ToJsonString().Replace("\"InputWidth\":4,", "\"InputWidth\":4,\"InputWidth\":7,", StringComparison.Ordinal);

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has corrupt model metadata: Duplicate property 'InputWidth'*");
    }

    [Fact]
    public void When_a_state_dict_key_is_repeated_in_place_of_another_it_should_be_refused_rather_than_leave_that_one_untrained()
    {
        // Arrange: same entry count, so TorchSharp's strict load alone would accept it and keep heads.bias at its initial values.
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        var weights = parts.Weights.Entries;
        int bias = weights.FindIndex(e => e.Name == "heads.bias");
        weights[bias] = weights.Single(e => e.Name == "heads.weight").Clone();

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid model: the state dict has 'heads.weight' more than once.");
    }

    [Fact]
    public void When_a_dtype_code_only_TorchSharps_truncation_reads_as_float32_it_should_be_refused()
    {
        // Arrange: 262 = 256 + 6; TorchSharp casts the code to a signed byte and reads float32.
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        parts.Weights.Entries[0].DType = 262;

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid model: the state dict entry 0 ('backbone.layers.0.weight') has an unknown element type code.");
    }

    [Fact]
    public void When_bytes_follow_the_last_section_it_should_count_them()
    {
        // Arrange
        var parts = ModelFileParts.Decode(TinyFiles.BuiltInModelFile());
        parts.Trailing = [0, 0];

        // Act
        var act = () => Read(parts);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid model: 2 bytes follow its last section.");
    }

    [Fact]
    public void When_a_custom_backbone_file_says_another_input_width_it_should_be_refused_by_one_forward_pass()
    {
        // Arrange: the custom backbone takes 4 features; only the metadata says how many, and it now says 5.
        var parts = ModelFileParts.Decode(TinyFiles.CustomModelFile());
        parts.Metadata["InputWidth"] = 5;

        // Act
        var act = () => ModelFile.Read(new MemoryStream(parts.Encode()), Name, TinyFiles.CustomBackbone);

        // Assert
        act.Should().Throw<InvalidDataException>().WithMessage($"'{Name}' has an invalid model: InputWidth is 5, but the custom backbone does not take 5 features to 3: *");
    }

    [Fact]
    public void When_an_unedited_file_is_taken_apart_and_put_together_it_should_load_and_predict_as_the_original()
    {
        // Arrange: the control case, so that the refusals above are the edits' doing.
        byte[] original = TinyFiles.BuiltInModelFile();
        var parts = ModelFileParts.Decode(original);
        float[][] rows = [[0.5f, -1, 2, 0], [1, 1, -1, 0.25f]];

        // Act
        using var again = Read(parts);
        using var reference = ModelFile.Read(new MemoryStream(original), Name);

        // Assert
        again.Predict(rows)["plot"].Should().BeEquivalentTo(reference.Predict(rows)["plot"], o => o.WithStrictOrdering());
    }

    [Fact]
    public void When_a_model_beyond_a_bound_is_saved_it_should_refuse_and_write_nothing()
    {
        // Arrange
        using var model = MultiHeadModel.Create(1, [new HeadDefinition("h", 2)], new MultiHeadModelOptions { Backbone = new() { HiddenSizes = [70_000] } });
        using var buffer = new MemoryStream();

        // Act
        var act = () => ModelFile.Write(model, buffer);

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage($"The model cannot be saved as a file that ModelFile.Load accepts: Backbone.HiddenSizes[0] is 70000, above the limit of {ModelFile.MaxHiddenWidth:N0} (ModelFile.MaxHiddenWidth).*");
        buffer.Length.Should().Be(0);
    }

    private static MultiHeadModel Read(ModelFileParts parts) => ModelFile.Read(new MemoryStream(parts.Encode()), Name);

    private static ModelFileParts PartsOf(MultiHeadModel model)
    {
        using var buffer = new MemoryStream();
        ModelFile.Write(model, buffer);
        return ModelFileParts.Decode(buffer.ToArray());
    }

    /// <summary>Sets the property at a path like <c>$.Heads[0].Name</c> to JSON null.</summary>
    private static void SetNull(JsonObject root, string path)
    {
        JsonNode node = root;
        string[] steps = path[2..].Replace("[", ".[", StringComparison.Ordinal).Split('.');
        foreach (string step in steps[..^1])
        {
            node = step.StartsWith('[') ? node[int.Parse(step[1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : node[step]!;
        }

        node[steps[^1]] = null;
    }
}
