using System.Text.Json;
using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Export;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Export;

/// <summary>
/// The ONNX export checked against an independent runtime: each exported file runs in ONNX Runtime and every
/// output is compared with <c>Predict</c> plus the library's own corrections (<see cref="ModelCorrections"/>)
/// within <see cref="ExportAssertions.Tolerance"/>.
/// </summary>
public sealed class OnnxExportTests : IClassFixture<TrainedExportModel>, IDisposable
{
    private readonly TrainedExportModel _trained;
    private readonly string _folder = Directory.CreateTempSubdirectory("mhc-onnx-").FullName;

    public OnnxExportTests(TrainedExportModel trained) => _trained = trained;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<LogitCorrection> Corrections =>
        [LogitCorrection.None, LogitCorrection.Prior, LogitCorrection.Temperature, LogitCorrection.PriorAndTemperature];

    [Theory]
    [MemberData(nameof(Corrections))]
    public void When_exported_with_probabilities_after_a_correction_it_should_match_Predict_and_the_librarys_correction(LogitCorrection correction)
    {
        // Arrange
        var model = _trained.Model;
        model.Temperatures = correction.HasFlag(LogitCorrection.Prior) ? _trained.PriorTemperatures : _trained.RawTemperatures;
        var x = ExportAssertions.RandomFeatures(300, 8, seed: 3);
        string path = Path.Combine(_folder, "model.onnx");

        // Act
        model.ExportOnnx(path, new OnnxExportOptions { Probabilities = correction });
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert
        var raw = model.Predict(x);
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, raw, correction));
        runner.OutputNames.Should().Equal([.. TestData.HeadNames, .. TestData.HeadNames.Select(h => h + "_probabilities")]);
        foreach (string head in TestData.HeadNames)
        {
            ExportAssertions.ShouldMatch(actual[head], raw[head], head);
            ExportAssertions.ShouldMatch(actual[head + "_probabilities"], probabilities[head], head + "_probabilities");
        }
    }

    [Theory]
    [MemberData(nameof(Corrections))]
    public void When_ordinal_heads_are_exported_it_should_match_Predict_and_the_librarys_correction_for_every_kind(LogitCorrection correction)
    {
        // Arrange: CE, CORN and CORAL heads in one model, so the fused layer has a shared CORAL row.
        var data = TestData.Ratings(800, seed: 7);
        HeadDefinition[] heads =
        [
            new("plot", 5, weighting: ClassWeighting.Balanced()),
            new("dialog", 5, weighting: ClassWeighting.Balanced(), loss: HeadLoss.Corn),
            new("acting", 5, weighting: ClassWeighting.Balanced(), loss: HeadLoss.Coral),
            new("makeup", 5, loss: HeadLoss.Corn),
        ];
        using var model = MultiHeadModel.Create(8, heads, new MultiHeadModelOptions { Seed = 3, Backbone = new() { HiddenSizes = [16] } });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 3, Seed = 3 }).Fit(model, data.Slice(0, 600));
        if (correction.HasFlag(LogitCorrection.Temperature))
        {
            model.Temperatures = ModelCorrections.FitTemperatures(model, data.Slice(600, 200), afterPriorCorrection: correction.HasFlag(LogitCorrection.Prior));
        }

        var x = ExportAssertions.RandomFeatures(300, 8, seed: 5);
        string path = Path.Combine(_folder, "ordinal.onnx");

        // Act
        model.ExportOnnx(path, new OnnxExportOptions { Probabilities = correction });
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert: raw outputs (K−1 for CORN and CORAL) and the library's class probabilities after the correction.
        var raw = model.Predict(x);
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, raw, correction));
        actual["dialog"].GetLength(1).Should().Be(4);
        foreach (string head in TestData.HeadNames)
        {
            ExportAssertions.ShouldMatch(actual[head], raw[head], head);
            ExportAssertions.ShouldMatch(actual[head + "_probabilities"], probabilities[head], head + "_probabilities");
        }
    }

    [Theory]
    [InlineData(LogitCorrection.Prior)]
    [InlineData(LogitCorrection.PriorAndTemperature)]
    public void When_a_MultiHeadEnsemble_is_exported_it_should_match_its_mean_probabilities_with_temperatures_on_the_mean(LogitCorrection correction)
    {
        // Arrange
        var data = TestData.Ratings(700, seed: 9);
        HeadDefinition[] heads = [.. TestData.HeadNames.Select((n, i) => new HeadDefinition(n, 5, weighting: ClassWeighting.Balanced(), loss: i == 1 ? HeadLoss.Corn : HeadLoss.CrossEntropy))];
        using var ensemble = MultiHeadEnsemble.Train(8, heads, members: 2, seed: 5, new MultiHeadModelOptions { Backbone = new() { HiddenSizes = [8] } }, new MultiHeadTrainerOptions { Epochs = 2 }, data.Slice(0, 500));
        ensemble.Temperatures = ensemble.FitTemperatures(data.Slice(500, 200));
        var x = ExportAssertions.RandomFeatures(120, 8, seed: 6);
        string path = Path.Combine(_folder, "ensemble.onnx");

        // Act
        ensemble.ExportOnnx(path, new OnnxExportOptions { Probabilities = correction });
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert
        var expected = ensemble.Probabilities(new MultiHeadDataset(x), correction);
        foreach (string head in TestData.HeadNames)
        {
            ExportAssertions.ShouldMatch(actual[head + "_probabilities"], expected[head], head + "_probabilities");
        }
    }

    [Theory]
    [InlineData(Activation.ReLU, false)]
    [InlineData(Activation.GELU, false)]
    [InlineData(Activation.Tanh, false)]
    [InlineData(Activation.SiLU, false)]
    [InlineData(Activation.ReLU, true)]
    [InlineData(Activation.GELU, true)]
    [InlineData(Activation.Tanh, true)]
    [InlineData(Activation.SiLU, true)]
    public void When_the_built_in_backbone_uses_an_activation_and_dropout_it_should_export_it_and_drop_the_dropout(Activation activation, bool layerNorm)
    {
        // Arrange
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions
        {
            Seed = 5,
            Backbone = new MlpBackboneOptions { HiddenSizes = [24, 12], Activation = activation, LayerNorm = layerNorm, Dropout = 0.3 },
        });
        model.SetTrainingState(null, new FeatureStandardizer([.. Enumerable.Range(0, 8).Select(i => i * 0.5)], [.. Enumerable.Range(0, 8).Select(i => 1.0 + i)]), null, null);
        var x = ExportAssertions.RandomFeatures(200, 8, seed: 4, scale: 3);
        string path = Path.Combine(_folder, "activation.onnx");

        // Act
        model.ExportOnnx(path);
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert
        var raw = model.Predict(x);
        runner.OutputNames.Should().Equal(TestData.HeadNames);
        foreach (string head in TestData.HeadNames)
        {
            ExportAssertions.ShouldMatch(actual[head], raw[head], $"{activation} {head}");
        }

        OpTypes(path).Should().NotContain("Dropout");
    }

    [Fact]
    public void When_features_are_missing_and_imputation_means_are_given_it_should_impute_them_before_standardising()
    {
        // Arrange: every third cell missing, imputed with given means, as mhc does with --missing-features mean.
        var model = _trained.Model;
        double[] means = [.. Enumerable.Range(0, 8).Select(i => 0.25 * i - 1)];
        var x = ExportAssertions.RandomFeatures(100, 8, seed: 5);
        var imputed = (float[,])x.Clone();
        for (int r = 0; r < 100; r++)
        {
            for (int c = (r % 3); c < 8; c += 3)
            {
                x[r, c] = float.NaN;
                imputed[r, c] = (float)means[c];
            }
        }

        string path = Path.Combine(_folder, "imputed.onnx");

        // Act
        model.ExportOnnx(path, new OnnxExportOptions { ImputationMeans = means, Probabilities = LogitCorrection.Prior });
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert
        var raw = model.Predict(imputed);
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, raw, LogitCorrection.Prior));
        foreach (string head in TestData.HeadNames)
        {
            ExportAssertions.ShouldMatch(actual[head], raw[head], head);
            ExportAssertions.ShouldMatch(actual[head + "_probabilities"], probabilities[head], head + "_probabilities");
        }

        runner.Metadata["imputation"].Should().Be("mean");
        JsonSerializer.Deserialize<double[]>(runner.Metadata["imputation_means"]).Should().Equal(means);
    }

    [Fact]
    public void When_features_are_missing_and_no_imputation_means_are_given_it_should_give_NaN_for_those_rows_only()
    {
        // Arrange
        var model = _trained.Model;
        var x = ExportAssertions.RandomFeatures(4, 8, seed: 6);
        x[2, 5] = float.NaN;
        string path = Path.Combine(_folder, "no-imputation.onnx");

        // Act
        model.ExportOnnx(path);
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert
        runner.Metadata["imputation"].Should().Be("none");
        OpTypes(path).Should().NotContain("IsNaN");
        for (int c = 0; c < 5; c++)
        {
            float.IsNaN(actual["plot"][2, c]).Should().BeTrue();
            float.IsNaN(actual["plot"][1, c]).Should().BeFalse();
        }
    }

    [Fact]
    public void When_inputs_are_plus_or_minus_1e4_it_should_match_Predict_within_the_relative_tolerance()
    {
        // Arrange
        var model = _trained.Model;
        model.Temperatures = _trained.PriorTemperatures;
        var x = ExportAssertions.RandomFeatures(200, 8, seed: 7);
        for (int r = 0; r < 200; r++)
        {
            for (int c = 0; c < 8; c++)
            {
                x[r, c] = (x[r, c] >= 0 ? 1e4f : -1e4f) * (((r + c) % 4 == 0) ? 1 : Math.Abs(x[r, c]) / 3);
            }
        }

        string path = Path.Combine(_folder, "large.onnx");

        // Act
        model.ExportOnnx(path, new OnnxExportOptions { Probabilities = LogitCorrection.PriorAndTemperature });
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert
        var raw = model.Predict(x);
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, raw, LogitCorrection.PriorAndTemperature));
        raw["plot"].Cast<float>().Max(Math.Abs).Should().BeGreaterThan(100, "the inputs must reach the large-logit regime");
        double[] scales = ExportAssertions.LogitScales(model, x);
        foreach (string head in TestData.HeadNames)
        {
            // A probability moves by at most about |Δz| / T for a logit error Δz, so its scale is the logits' over T.
            ExportAssertions.ShouldMatch(actual[head], raw[head], head, scales);
            ExportAssertions.ShouldMatch(actual[head + "_probabilities"], probabilities[head], head + "_probabilities", [.. scales.Select(s => s / _trained.PriorTemperatures[head])]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4097)]
    public void When_the_batch_has_1_or_4097_rows_it_should_match_Predict(int rows)
    {
        // Arrange
        var model = _trained.Model;
        var x = ExportAssertions.RandomFeatures(rows, 8, seed: rows);
        string path = Path.Combine(_folder, "batch.onnx");

        // Act
        model.ExportOnnx(path, new OnnxExportOptions { Probabilities = LogitCorrection.Prior });
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert
        var raw = model.Predict(x);
        var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(model, raw, LogitCorrection.Prior));
        foreach (string head in TestData.HeadNames)
        {
            ExportAssertions.ShouldMatch(actual[head], raw[head], head);
            ExportAssertions.ShouldMatch(actual[head + "_probabilities"], probabilities[head], head + "_probabilities");
        }
    }

    [Fact]
    public void When_an_ensemble_is_exported_it_should_average_the_members_logits_and_their_own_corrected_probabilities()
    {
        // Arrange: three members with different backbones, class weights and temperatures.
        var data = TestData.Ratings(400, seed: 12);
        var members = new List<MultiHeadModel>();
        foreach (var (activation, seed) in new[] { (Activation.ReLU, 1), (Activation.GELU, 2), (Activation.Tanh, 3) })
        {
            var model = MultiHeadModel.Create(8, TestData.Heads(seed == 2 ? ClassWeighting.InverseSqrt() : ClassWeighting.Balanced()), new MultiHeadModelOptions { Seed = seed, Backbone = new() { HiddenSizes = [16], Activation = activation } });
            new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 2 }).Fit(model, data.Slice(0, 300));
            model.Temperatures = ModelCorrections.FitTemperatures(model, data.Slice(300, 100));
            members.Add(model);
        }

        var x = ExportAssertions.RandomFeatures(150, 8, seed: 8);
        string path = Path.Combine(_folder, "ensemble.onnx");
        try
        {
            // Act
            members.ExportOnnx(path, new OnnxExportOptions { Probabilities = LogitCorrection.PriorAndTemperature });
            using var runner = new OnnxRunner(path);
            var actual = runner.Run(x);

            // Assert
            var raws = members.Select(m => m.Predict(x)).ToList();
            var probabilities = members.Select((m, i) => ModelCorrections.Probabilities(ModelCorrections.Apply(m, raws[i], LogitCorrection.PriorAndTemperature))).ToList();
            foreach (string head in TestData.HeadNames)
            {
                ExportAssertions.ShouldMatch(actual[head], Mean(raws.Select(r => ExportAssertions.ToDouble(r[head]))), head);
                ExportAssertions.ShouldMatch(actual[head + "_probabilities"], Mean(probabilities.Select(p => p[head])), head + "_probabilities");
            }

            runner.Metadata["ensemble_size"].Should().Be("3");
            JsonDocument.Parse(runner.Metadata["class_weights"]).RootElement.GetArrayLength().Should().Be(3);
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void When_a_custom_backbone_is_built_from_standard_modules_it_should_export_it()
    {
        // Arrange: batch normalisation with running statistics from a few training-mode passes.
        var backbone = nn.Sequential(
            nn.Linear(8, 16),
            nn.BatchNorm1d(16),
            nn.GELU(GELU.Approximate.tanh),
            nn.Dropout(0.5),
            nn.Sequential(nn.Linear(16, 12), nn.LayerNorm(12), nn.Sigmoid()),
            nn.Linear(12, 10),
            nn.Tanh(),
            nn.Linear(10, 10),
            nn.ReLU(),
            nn.Identity());
        manual_seed(9);
        backbone.train();
        using (no_grad())
        {
            for (int i = 0; i < 5; i++)
            {
                using var scope = NewDisposeScope();
                backbone.forward(randn(64, 8) * 2 + 1);
            }
        }

        using var model = MultiHeadModel.Create(8, TestData.Heads(), backbone, 10, new MultiHeadModelOptions { Seed = 3 });
        var x = ExportAssertions.RandomFeatures(100, 8, seed: 9);
        string path = Path.Combine(_folder, "custom.onnx");

        // Act
        model.ExportOnnx(path);
        using var runner = new OnnxRunner(path);
        var actual = runner.Run(x);

        // Assert
        var raw = model.Predict(x);
        foreach (string head in TestData.HeadNames)
        {
            ExportAssertions.ShouldMatch(actual[head], raw[head], head);
        }

        OpTypes(path).Should().Contain(["BatchNormalization", "LayerNormalization", "Tanh", "Sigmoid", "Relu"]);
    }

    [Fact]
    public void When_a_custom_backbone_holds_an_unsupported_module_it_should_throw_NotSupportedException_naming_its_type_and_path()
    {
        // Arrange
        var backbone = nn.Sequential(nn.Linear(8, 6), nn.Sequential(nn.ReLU(), nn.Softplus()));
        using var model = MultiHeadModel.Create(8, TestData.Heads(), backbone, 6);

        // Act
        var act = () => model.ExportOnnx(Path.Combine(_folder, "unsupported.onnx"));

        // Assert
        act.Should().Throw<NotSupportedException>().WithMessage("*'backbone.1.1'*TorchSharp.Modules.Softplus*");
        File.Exists(Path.Combine(_folder, "unsupported.onnx")).Should().BeFalse();
    }

    [Fact]
    public void When_a_custom_backbone_is_a_module_of_its_own_it_should_throw_NotSupportedException_naming_it()
    {
        // Arrange
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new Doubler(), 8);

        // Act
        var act = () => model.ExportOnnx(Path.Combine(_folder, "doubler.onnx"));

        // Assert
        act.Should().Throw<NotSupportedException>().WithMessage($"*'backbone'*{typeof(Doubler).FullName}*");
    }

    [Fact]
    public void When_exported_it_should_declare_opset_17_and_hold_the_models_metadata()
    {
        // Arrange
        var model = _trained.Model;
        model.Temperatures = _trained.PriorTemperatures;
        string path = Path.Combine(_folder, "metadata.onnx");
        string[] features = [.. Enumerable.Range(0, 8).Select(i => $"f{i}")];

        // Act
        model.ExportOnnx(path, new OnnxExportOptions { Probabilities = LogitCorrection.PriorAndTemperature, FeatureNames = features });
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        using var runner = new OnnxRunner(path);

        // Assert
        proto.IrVersion.Should().Be(8);
        proto.OpsetImport.Should().ContainSingle().Which.Version.Should().Be(17);
        proto.ProducerName.Should().Be("MultiHeadClassifier");
        runner.InputNames.Should().Equal("features");
        var metadata = runner.Metadata;
        metadata["library_version"].Should().Be(proto.ProducerVersion).And.NotBeNullOrEmpty();
        JsonSerializer.Deserialize<string[]>(metadata["heads"]).Should().Equal(TestData.HeadNames);
        JsonSerializer.Deserialize<string[]>(metadata["features"]).Should().Equal(features);
        JsonSerializer.Deserialize<Dictionary<string, string[]>>(metadata["classes"])!["acting"].Should().Equal("0", "1", "2", "3", "4");
        var weights = JsonSerializer.Deserialize<Dictionary<string, float[]>>(metadata["class_weights"])!;
        var priors = JsonSerializer.Deserialize<Dictionary<string, double[]>>(metadata["priors"])!;
        foreach (string head in TestData.HeadNames)
        {
            weights[head].Should().Equal(model.ClassWeights![head]);
            priors[head].Should().Equal(model.ClassWeights![head].Select(w => -Math.Log(w)));
        }

        using var temperatures = JsonDocument.Parse(metadata["temperatures"]);
        temperatures.RootElement.GetProperty("per_head").GetProperty("dialog").GetDouble().Should().Be(_trained.PriorTemperatures["dialog"]);
        temperatures.RootElement.GetProperty("after_prior_correction").GetBoolean().Should().BeTrue();
        metadata["probabilities_correction"].Should().Be("prior+temperature");
        metadata["head_kinds"].Should().Be("""{"plot":"cross-entropy","dialog":"cross-entropy","acting":"cross-entropy","makeup":"cross-entropy"}""");
        metadata["standardization"].Should().Be("\"z-score\"");
    }

    [Fact]
    public void When_prior_correction_is_asked_of_an_untrained_model_it_should_throw_InvalidOperationException()
    {
        // Arrange
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 1 });

        // Act
        var act = () => model.ExportOnnx(Path.Combine(_folder, "untrained.onnx"), new OnnxExportOptions { Probabilities = LogitCorrection.Prior });

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("*class weights*");
    }

    [Fact]
    public void When_temperature_correction_has_no_temperatures_on_its_basis_it_should_throw_InvalidOperationException()
    {
        // Arrange: temperatures fitted on prior-corrected logits do not serve raw-logit temperature correction.
        var model = _trained.Model;
        model.Temperatures = _trained.PriorTemperatures;

        // Act
        var act = () => model.ExportOnnx(Path.Combine(_folder, "basis.onnx"), new OnnxExportOptions { Probabilities = LogitCorrection.Temperature });

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("*temperatures fitted on raw logits*");
    }

    [Fact]
    public void When_the_options_are_invalid_it_should_name_every_problem_in_one_message()
    {
        // Arrange
        var options = new OnnxExportOptions { ImputationMeans = [1, double.NaN], FeatureNames = ["a", " ", "c"], Probabilities = (LogitCorrection)8 };

        // Act
        var act = () => _trained.Model.ExportOnnx(Path.Combine(_folder, "invalid.onnx"), options);

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage("*Probabilities 8*ImputationMeans has 2 values*ImputationMeans[1] is NaN*FeatureNames has 3 names*FeatureNames[1] is empty*");
    }

    [Fact]
    public void When_a_head_is_named_like_another_output_it_should_refuse_the_clash()
    {
        // Arrange
        using var model = MultiHeadModel.Create(8, [new HeadDefinition("a", 2), new HeadDefinition("a_probabilities", 2)]);

        // Act
        var act = () => model.ExportOnnx(Path.Combine(_folder, "clash.onnx"), new OnnxExportOptions { Probabilities = LogitCorrection.None });

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*'a_probabilities'*");
    }

    [Fact]
    public void When_ensemble_members_have_different_heads_it_should_refuse_them()
    {
        // Arrange
        using var first = MultiHeadModel.Create(8, TestData.Heads());
        using var second = MultiHeadModel.Create(8, [new HeadDefinition("plot", 5)]);

        // Act
        var act = () => new[] { first, second }.ExportOnnx(Path.Combine(_folder, "mixed.onnx"));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*member 1 has heads plot (5 classes)*");
    }

    private static List<string> OpTypes(string path) =>
        [.. ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.Select(n => n.OpType)];

    private static double[,] Mean(IEnumerable<double[,]> matrices)
    {
        var all = matrices.ToList();
        var result = new double[all[0].GetLength(0), all[0].GetLength(1)];
        foreach (var m in all)
        {
            for (int r = 0; r < m.GetLength(0); r++)
            {
                for (int c = 0; c < m.GetLength(1); c++)
                {
                    result[r, c] += m[r, c] / all.Count;
                }
            }
        }

        return result;
    }

    private sealed class Doubler : nn.Module<Tensor, Tensor>
    {
        public Doubler()
            : base(nameof(Doubler)) => RegisterComponents();

        public override Tensor forward(Tensor input) => input * 2;
    }
}

/// <summary>One trained model (balanced class weights, standardisation) with temperatures on both bases, shared by a test class.</summary>
public sealed class TrainedExportModel : IDisposable
{
    public TrainedExportModel()
    {
        var data = TestData.Ratings(600, seed: 21);
        Model = MultiHeadModel.Create(8, TestData.Heads(ClassWeighting.Balanced()), new MultiHeadModelOptions
        {
            Seed = 4,
            Backbone = new MlpBackboneOptions { HiddenSizes = [16, 8], Dropout = 0.1 },
        });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 3, Seed = 4 }).Fit(Model, data.Slice(0, 450));
        HeldOut = data.Slice(450, 150);
        PriorTemperatures = ModelCorrections.FitTemperatures(Model, HeldOut, afterPriorCorrection: true);
        RawTemperatures = ModelCorrections.FitTemperatures(Model, HeldOut, afterPriorCorrection: false);
    }

    public MultiHeadModel Model { get; }

    public MultiHeadDataset HeldOut { get; }

    public FittedTemperatures PriorTemperatures { get; }

    public FittedTemperatures RawTemperatures { get; }

    public void Dispose() => Model.Dispose();
}
