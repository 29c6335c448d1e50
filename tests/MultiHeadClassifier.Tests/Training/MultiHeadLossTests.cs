using FluentAssertions;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Training;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Training;

public class MultiHeadLossTests
{
    // Head "a": K = 2, weights [1, 3], λ = 1. Head "b": K = 3, weights [2, 1, 1], λ = 0.5.
    private static readonly HeadDefinition[] Heads =
    [
        new("a", 2, weighting: ClassWeighting.Explicit(1f, 3f)),
        new("b", 3, weighting: ClassWeighting.Explicit(2f, 1f, 1f), lossWeight: 0.5),
    ];

    private static readonly Dictionary<string, float[]> Weights = new() { ["a"] = [1f, 3f], ["b"] = [2f, 1f, 1f] };

    [Fact]
    public void When_computing_a_tiny_batch_it_should_equal_the_hand_computation()
    {
        // Arrange. Row 0: a = [0, 0] (p = ½, ½), label 1; b = [0, 0, 0] (p = ⅓ each), label 2.
        //          Row 1: a = [ln 3, 0] (p = ¾, ¼), label 0; b = [ln 2, 0, 0], label missing (−1).
        // loss_a = (w1·ln 2 + w0·ln(4/3)) / (w1 + w0) = (3 ln 2 + ln(4/3)) / 4 = 0.5917809.
        // loss_b = (w2·ln 3) / w2 = ln 3 = 1.0986123 (row 1 is ignored by head b only).
        // total  = loss_a + 0.5 · loss_b = 1.1410870.
        using var loss = new MultiHeadLoss(Heads, Weights);
        using var logits = tensor(new float[] { 0, 0, 0, 0, 0, MathF.Log(3), 0, MathF.Log(2), 0, 0 }, [2, 5]);
        using var labels = tensor(new long[] { 1, 2, 0, -1 }, [2, 2]);

        // Act
        var result = loss.Compute(logits, labels);
        var reference = loss.ComputeReference(logits, labels);

        // Assert
        result.PerHead.data<float>().ToArray().Should().Equal([0.5917809f, 1.0986123f], (x, y) => Math.Abs(x - y) < 1e-6);
        result.Total.item<float>().Should().BeApproximately(1.1410870f, 1e-6f);
        reference.Total.item<float>().Should().BeApproximately(1.1410870f, 1e-6f);
    }

    [Fact]
    public void When_a_head_has_no_labels_in_the_batch_it_should_contribute_exactly_zero()
    {
        using var loss = new MultiHeadLoss(Heads, Weights);
        using var logits = tensor(new float[] { 0, 1, 2, 0, 0, 1, 0, 3, 0, 1 }, [2, 5]);
        using var labels = tensor(new long[] { 0, -1, 1, -1 }, [2, 2]);

        var result = loss.Compute(logits, labels);

        result.PerHead[1].item<float>().Should().Be(0f);
        float.IsFinite(result.Total.item<float>()).Should().BeTrue();
    }

    [Fact]
    public void When_backpropagating_the_total_it_should_equal_the_sum_of_per_head_backward_passes()
    {
        // Arrange: the same random logits twice, as leaves.
        using var generator = new Generator(3, CPU);
        using var values = randn([6, 5], generator: generator);
        using var labels = tensor(new long[] { 0, 2, 1, -1, 1, 0, -1, 1, 0, 0, 1, 2 }, [6, 2]);
        using var loss = new MultiHeadLoss(Heads, Weights);
        using var x1 = values.clone().requires_grad_(true);
        using var x2 = values.clone().requires_grad_(true);

        // Act: total.backward() versus λ_a·loss_a.backward() + λ_b·loss_b.backward() accumulated.
        loss.Compute(x1, labels).Total.backward();
        var perHead = loss.ComputeReference(x2, labels).PerHead;
        (perHead[0] * 1.0).backward(retain_graph: true);
        (perHead[1] * 0.5).backward();

        // Assert
        x1.grad!.allclose(x2.grad!, rtol: 0, atol: 1e-6).Should().BeTrue();
    }

    [Theory]
    [InlineData(new[] { 2, 5, 3 }, 0.0)]     // different class counts: the padded path for the head maxima
    [InlineData(new[] { 5, 5, 5, 5 }, 0.0)]  // equal class counts: the reshaped path
    [InlineData(new[] { 2, 5, 3 }, 1000.0)]  // logits near 1000 in the second head: the stability shift must keep precision
    public void When_computing_all_heads_at_once_it_should_match_the_per_head_reference_in_loss_gradient_and_step(int[] classCounts, double shift)
    {
        // Arrange: class weights 1, 2, …, K per head (any positive values do), labels in −1..K−1.
        var heads = classCounts.Select((k, h) => new HeadDefinition($"h{h}", k)).ToArray();
        var weights = heads.ToDictionary(h => h.Name, h => Enumerable.Range(1, h.ClassCount).Select(c => (float)c).ToArray());
        using var generator = new Generator(11, CPU);
        using var values = randn([32, classCounts.Sum()], generator: generator);
        values.narrow(1, classCounts[0], classCounts[1]).add_(shift);
        using var labels = cat(classCounts.Select(k => randint(-1, k, [32, 1], generator: generator)).ToArray(), 1);
        using var loss = new MultiHeadLoss(heads, weights);
        var fusedParameter = new TorchSharp.Modules.Parameter(values.clone());
        var referenceParameter = new TorchSharp.Modules.Parameter(values.clone());
        using var fusedOptimizer = optim.Adam([fusedParameter], lr: 0.1);
        using var referenceOptimizer = optim.Adam([referenceParameter], lr: 0.1);

        // Act
        var fused = loss.Compute(fusedParameter, labels);
        var reference = loss.ComputeReference(referenceParameter, labels);
        fused.Total.backward();
        reference.Total.backward();
        bool gradientsAgree = fusedParameter.grad!.allclose(referenceParameter.grad!, rtol: 0, atol: 1e-5);
        fusedOptimizer.step();
        referenceOptimizer.step();

        // Assert
        fused.PerHead.allclose(reference.PerHead, rtol: 0, atol: 1e-5).Should().BeTrue();
        gradientsAgree.Should().BeTrue();
        fusedParameter.allclose(referenceParameter, rtol: 0, atol: 1e-5).Should().BeTrue();
    }

    [Theory]
    [InlineData(5, "Label 5 at row 2 for head 'five' is outside -1..4")]
    [InlineData(-2, "Label -2 at row 2 for head 'five' is outside -1..4")]
    public void When_a_label_is_out_of_range_it_should_be_named_with_its_row_and_head_by_every_entry_point(long bad, string message)
    {
        HeadDefinition[] heads = [new("two", 2), new("five", 5)];
        using var loss = new MultiHeadLoss(heads, new Dictionary<string, float[]> { ["two"] = [1f, 1f], ["five"] = [1f, 1f, 1f, 1f, 1f] });
        using var logits = zeros(4, 7);
        using var labels = tensor(new long[] { 0, 1, 1, -1, 1, bad, 0, 4 }, [4, 2]);

        foreach (var act in new Action[] { () => loss.Compute(logits, labels), () => loss.ComputeReference(logits, labels), () => loss.WeightedSums(logits, labels) })
        {
            act.Should().Throw<ArgumentException>().WithMessage(message + "*");
        }
    }

    [Fact]
    public void When_weights_have_the_wrong_length_it_should_throw_naming_the_head()
    {
        var act = () => new MultiHeadLoss(Heads, new Dictionary<string, float[]> { ["a"] = [1f, 3f], ["b"] = [1f] });

        act.Should().Throw<ArgumentException>().WithMessage("*'b'*3 classes but 1 class weights*");
    }

    [Theory]
    [InlineData("missing a, short b", "No class weights were given for head 'a'.")]
    [InlineData("short a, missing b", "Head 'a' has 2 classes but 3 class weights.")]
    [InlineData("bad a, missing b", "Head 'a': class weight 1 is 0; class weights must be positive finite numbers.")]
    [InlineData("good a, two bad in b", "Head 'b': class weight 0 is -1; class weights must be positive finite numbers.")]
    [InlineData("good a, NaN in b", "Head 'b': class weight 2 is NaN; class weights must be positive finite numbers.")]
    public void When_several_heads_have_bad_weights_it_should_report_the_first_head_in_output_order(string setup, string message)
    {
        // Arrange: heads "a" (K = 2) and "b" (K = 3); the first problem, in head order and then class order, wins.
        var weights = setup switch
        {
            "missing a, short b" => new Dictionary<string, float[]> { ["b"] = [1f] },
            "short a, missing b" => new Dictionary<string, float[]> { ["a"] = [1f, 1f, 1f] },
            "bad a, missing b" => new Dictionary<string, float[]> { ["a"] = [1f, 0f] },
            "good a, two bad in b" => new Dictionary<string, float[]> { ["a"] = [1f, 3f], ["b"] = [-1f, 1f, float.PositiveInfinity] },
            "good a, NaN in b" => new Dictionary<string, float[]> { ["a"] = [1f, 3f], ["b"] = [2f, 1f, float.NaN] },
            _ => throw new ArgumentOutOfRangeException(nameof(setup)),
        };

        // Act
        var act = () => new MultiHeadLoss(Heads, weights);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage(message + " (Parameter 'classWeights')");
    }

    [Fact]
    public void When_created_it_should_keep_the_heads_and_their_loss_multipliers_in_output_order()
    {
        // Act
        using var loss = new MultiHeadLoss(Heads, Weights);

        // Assert
        loss.Heads.Select(h => h.Name).Should().Equal("a", "b");
        loss.LossMultipliers.data<float>().ToArray().Should().Equal(1f, 0.5f);
    }

    [Fact]
    public void When_the_heads_have_different_class_counts_it_should_read_only_each_heads_own_columns()
    {
        // Arrange: heads of 2, 4 and 3 classes (the padded layout), class weights 1, the one row labelled 0 in
        // every head. A head's loss is ln Σ_c exp(z_c) − z_0 over its own columns only. Every logit is 0 except
        // 5 in the last column of head "y" (column 5), so x's loss is ln 2, y's ln(3 + e⁵) and z's ln 3.
        HeadDefinition[] heads = [new("x", 2), new("y", 4), new("z", 3)];
        var weights = heads.ToDictionary(h => h.Name, h => Enumerable.Repeat(1f, h.ClassCount).ToArray());
        using var loss = new MultiHeadLoss(heads, weights);
        var values = new float[9];
        values[5] = 5f;
        using var logits = tensor(values, [1, 9]);
        using var labels = tensor(new long[] { 0, 0, 0 }, [1, 3]);

        // Act
        var result = loss.Compute(logits, labels);

        // Assert
        result.PerHead.data<float>().ToArray().Should().Equal(
            [MathF.Log(2), (float)Math.Log(3 + Math.Exp(5)), MathF.Log(3)], (x, y) => Math.Abs(x - y) < 1e-5);
        result.Total.item<float>().Should().BeApproximately((float)(Math.Log(2) + Math.Log(3 + Math.Exp(5)) + Math.Log(3)), 1e-5f);
    }
}
