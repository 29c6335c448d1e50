using FluentAssertions;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Modeling;

public class MultiHeadModelTests
{
    [Fact]
    public void When_predicting_with_the_wrong_width_it_should_name_both_widths()
    {
        using var model = MultiHeadModel.Create(8, TestData.Heads());

        var act = () => model.Predict(new float[3, 7]);

        act.Should().Throw<ArgumentException>().WithMessage("*7 feature columns*expects 8*");
    }

    [Fact]
    public void When_the_forward_pass_runs_it_should_match_backbone_then_each_head_separately()
    {
        // The fused head layer must equal x·W_hᵀ + b_h per head, with W_h and b_h that head's rows.
        using var model = MultiHeadModel.Create(8, [new HeadDefinition("a", 2), new HeadDefinition("b", 5), new HeadDefinition("c", 3)], new MultiHeadModelOptions { Seed = 4, StandardizeFeatures = false });
        using var x = randn(6, 8);
        var modules = model.Network.named_modules().ToDictionary(m => m.name, m => m.module);
        using var hidden = ((nn.Module<Tensor, Tensor>)modules["backbone"]).forward(x);

        using var heads = model.PredictTensors(x);

        foreach (var name in new[] { "a", "b", "c" })
        {
            using var weight = model.Network.HeadWeight(name);
            using var bias = model.Network.HeadBias(name);
            using var expected = hidden.matmul(weight.t()) + bias;
            heads[name].allclose(expected, rtol: 0, atol: 1e-6).Should().BeTrue($"head {name}");
        }
    }

    [Fact]
    public void When_predicting_in_several_batches_it_should_give_the_one_pass_tensor_logits_from_every_entry_point()
    {
        // Arrange: 2500 rows, predicted in batches of 300 (the last one partial) and as one tensor (chunked by 1024), with standardisation fitted by a short fit.
        var data = TestData.Ratings(2500, seed: 21);
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 2 });
        new MultiHeadClassifier.Training.MultiHeadTrainer(new() { Epochs = 1, Seed = 1 }).Fit(model, data);
        float[][] jagged = TestData.Rows(data);
        var rectangular = new float[2500, 8];
        for (int r = 0; r < 2500; r++)
        {
            for (int c = 0; c < 8; c++)
            {
                rectangular[r, c] = jagged[r][c];
            }
        }

        using var x = tensor(data.Features.ToArray(), [2500, 8]);

        // Act
        using var expected = model.PredictTensors(x);
        var fromArray = model.Predict(rectangular, batchSize: 300);
        var fromJagged = model.Predict(jagged, batchSize: 300);
        var fromDataset = model.Predict(data, batchSize: 300);

        // Assert
        model.Standardizer.Should().NotBeNull();
        foreach (var (name, logits) in expected.Logits)
        {
            float[] values = logits.contiguous().data<float>().ToArray();
            foreach (var prediction in new[] { fromArray, fromJagged, fromDataset })
            {
                prediction[name].Cast<float>().Should().Equal(values, (a, b) => Math.Abs(a - b) <= 1e-5f, $"head {name}");
            }

            logits.Dispose();
        }
    }

    [Fact]
    public void When_a_later_batch_holds_a_NaN_it_should_name_its_row_and_column()
    {
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 2 });
        var features = new float[700, 8];
        features[650, 3] = float.NaN;

        var act = () => model.Predict(features, batchSize: 300);

        act.Should().Throw<ArgumentException>().WithMessage("*row 650, column 3 is NaN*");
    }

    [Fact]
    public void When_a_feature_tensor_holds_an_infinity_it_should_name_its_row_and_column()
    {
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 2 });
        using var features = zeros(40, 8);
        features[33, 6] = tensor(float.NegativeInfinity);

        var act = () => model.PredictTensors(features);

        act.Should().Throw<ArgumentException>().WithMessage("*row 33, column 6 is -Infinity*");
    }

    [Fact]
    public void When_a_tensor_prediction_is_disposed_it_should_free_every_head_tensor_and_refuse_further_reads()
    {
        // Arrange
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 2 });
        using var features = randn(7, 8, generator: new Generator(3, CPU));
        var prediction = model.PredictTensors(features);
        var tensors = prediction.Logits.Values.ToArray();

        // Act
        prediction.Dispose();
        var read = () => prediction["plot"];

        // Assert
        prediction.RowCount.Should().Be(7);
        tensors.Should().HaveCount(4).And.OnlyContain(t => t.IsInvalid, "disposing the prediction disposes its tensors");
        read.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void When_a_tensor_prediction_is_asked_for_an_unknown_head_it_should_list_the_heads_like_predict_does()
    {
        // Arrange
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 2 });
        using var features = zeros(2, 8);
        using var tensors = model.PredictTensors(features);
        var arrays = model.Predict(new float[2, 8]);

        // Act
        var fromTensors = () => tensors["story"];
        var fromArrays = () => arrays["story"];

        // Assert
        fromTensors.Should().Throw<KeyNotFoundException>().WithMessage("No head is named 'story'; the heads are plot, dialog, acting, makeup.");
        fromArrays.Should().Throw<KeyNotFoundException>().WithMessage("No head is named 'story'; the heads are plot, dialog, acting, makeup.");
    }

    [Fact]
    public void When_head_slices_are_taken_it_should_partition_the_fused_layer_in_head_order()
    {
        using var model = MultiHeadModel.Create(8, [new HeadDefinition("a", 2), new HeadDefinition("b", 5), new HeadDefinition("c", 3)], new MultiHeadModelOptions { Seed = 4 });
        var parameters = model.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);

        using var stacked = cat(new[] { "a", "b", "c" }.Select(model.Network.HeadWeight).ToArray(), 0);

        parameters["heads.weight"].shape.Should().Equal(10, 64);
        stacked.allclose(parameters["heads.weight"], rtol: 0, atol: 0).Should().BeTrue();
        model.Network.HeadBias("b").shape.Should().Equal(5);
        var act = () => model.Network.HeadWeight("d");
        act.Should().Throw<KeyNotFoundException>().WithMessage("*'d'*'a', 'b', 'c'*");
    }

    [Fact]
    public void When_a_loaded_model_first_predicts_from_several_threads_at_once_it_should_give_each_the_sequential_tensor_logits()
    {
        // Arrange: a freshly loaded model builds its standardisation tensors lazily, so the first calls race for them.
        string path = Path.Combine(Path.GetTempPath(), $"mhc-concurrent-{Guid.NewGuid():N}.mhc");
        using (var trained = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 1 }))
        {
            new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1, Seed = 1 }).Fit(trained, TestData.Ratings(200, seed: 1));
            trained.Save(path);
        }

        using var model = MultiHeadModel.Load(path);
        File.Delete(path);
        var data = TestData.Ratings(300, seed: 2);
        using var x = tensor(data.Features.ToArray(), [300, 8]);
        using var barrier = new Barrier(4);

        // Act
        var results = new float[4][];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            barrier.SignalAndWait();
            using var logits = model.PredictTensors(x);
            results[t] = logits["acting"].contiguous().data<float>().ToArray();
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        using var sequential = model.PredictTensors(x);
        float[] expected = sequential["acting"].contiguous().data<float>().ToArray();

        // Assert
        results.Should().AllSatisfy(r => r.Should().Equal(expected));
        model.Predict(data)["acting"].Cast<float>().Should().Equal(expected, (a, b) => Math.Abs(a - b) <= 1e-5f);
    }

    [Fact]
    public void When_predict_is_called_from_several_threads_it_should_give_the_sequential_logits_and_leak_nothing()
    {
        // Arrange
        using var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 1 });
        new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 1, Seed = 1 }).Fit(model, TestData.Ratings(200, seed: 1));
        var rows = TestData.Rows(TestData.Ratings(300, seed: 2));
        var expected = model.Predict(rows, batchSize: 64);

        // Act: 4 threads × 5 calls each; each thread records its own live-tensor count before and after.
        var results = new List<float[,]>[4];
        var leaks = new long[4];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
            results[t] = Enumerable.Range(0, 5).Select(_ => model.Predict(rows, batchSize: 64)["dialog"]).ToList();
            leaks[t] = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount - before;
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        // Assert
        results.SelectMany(r => r).Should().AllSatisfy(logits => logits.Should().BeEquivalentTo(expected["dialog"], o => o.WithStrictOrdering()));
        leaks.Should().OnlyContain(l => l == 0);
    }

    [Fact]
    public void When_a_disposed_model_is_used_it_should_throw_ObjectDisposedException_naming_MultiHeadModel()
    {
        // Arrange
        var model = MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 2 });
        var data = TestData.Ratings(20, seed: 1);
        model.Dispose();
        using var features = zeros(2, 8);

        // Act
        Action[] uses =
        [
            () => model.Predict(new float[2, 8]),
            () => model.Predict(TestData.Rows(data)),
            () => model.Predict(data),
            () => model.PredictTensors(features),
            () => new MultiHeadTrainer().Fit(model, data),
            () => model.Save(Path.Combine(Path.GetTempPath(), $"disposed-{Guid.NewGuid():N}.mhc")),
            model.Dispose,
        ];

        // Assert
        foreach (var use in uses.SkipLast(1))
        {
            use.Should().Throw<ObjectDisposedException>().Which.ObjectName.Should().Be(typeof(MultiHeadModel).FullName);
        }

        uses[^1].Should().NotThrow("disposing twice is harmless");
    }

    [Fact]
    public void When_a_model_mixes_head_kinds_it_should_output_K_or_K_minus_1_columns_and_share_one_row_per_CORAL_head()
    {
        // Arrange: CE (K 5), CORN (K 4), CORAL (K 3): outputs 5 + 3 + 2 = 10, weight rows 5 + 3 + 1 = 9.
        HeadDefinition[] heads = [new("a", 5), new("b", 4, loss: HeadLoss.Corn), new("c", 3, loss: HeadLoss.Coral)];
        using var model = MultiHeadModel.Create(6, heads, new MultiHeadModelOptions { Seed = 3 });
        using var x = randn(7, 6, generator: new Generator(5, CPU));

        // Act
        using var outputs = model.PredictTensors(x);
        var parameters = model.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var coralWeight = model.Network.HeadWeight("c");
        using var coral = outputs["c"];
        using var gaps = coral.select(1, 1) - coral.select(1, 0);
        using var coralBias = model.Network.HeadBias("c");

        // Assert: z_k = s + b_k with one shared s, so z_1 − z_0 = b_1 − b_0 on every row.
        outputs.Logits.Values.Select(t => t.shape[1]).Should().Equal(5, 3, 2);
        parameters["heads.weight"].shape.Should().Equal(9, 64);
        parameters["heads.bias"].shape.Should().Equal(10);
        coralWeight.shape.Should().Equal(1, 64);
        float expectedGap = coralBias[1].item<float>() - coralBias[0].item<float>();
        gaps.data<float>().ToArray().Should().OnlyContain(g => Math.Abs(g - expectedGap) < 1e-5);
    }
}
