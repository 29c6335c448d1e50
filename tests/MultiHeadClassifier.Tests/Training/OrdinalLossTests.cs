using FluentAssertions;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Training;
using Xunit;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Tests.Training;

/// <summary>The CORN and CORAL losses: hand-computed fixtures, the fused path against the per-head reference, missing labels.</summary>
public class OrdinalLossTests
{
    private static readonly Dictionary<string, float[]> Weights = new() { ["r"] = [1f, 2f, 3f] };

    // Four rows of one K = 3 head (two threshold outputs): y = 0, 1, 2 and missing.
    private static readonly float[] Outputs = [0, MathF.Log(3), MathF.Log(3), 0, 0, 0, 5, 5];
    private static readonly long[] Labels = [0, 1, 2, -1];

    private static float Loss(HeadLoss kind, bool reference)
    {
        using var loss = new MultiHeadLoss([new HeadDefinition("r", 3, loss: kind)], Weights);
        using var outputs = tensor(Outputs, [4, 2]);
        using var labels = tensor(Labels, [4, 1]);
        var result = reference ? loss.ComputeReference(outputs, labels) : loss.Compute(outputs, labels);
        return result.Total.item<float>();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void When_a_CORN_head_is_computed_it_should_equal_the_hand_computation(bool reference)
    {
        // BCE(z, t) = ln(1 + e^z) − t·z. Task k takes the rows with y ≥ k, target 1[y > k]; w = [1, 2, 3].
        // Row y=0 (w 1): task 0, t 0, z 0 → ln 2. Task 1: not entered.
        // Row y=1 (w 2): task 0, t 1, z ln 3 → ln(4/3); task 1, t 0, z 0 → ln 2.
        // Row y=2 (w 3): task 0, t 1, z 0 → ln 2; task 1, t 1, z 0 → ln 2. Row 4 is missing: ignored.
        // Weighted mean over entered pairs: (ln 2 + 2(ln(4/3) + ln 2) + 3(2 ln 2)) / (1 + 2·2 + 3·2)
        //   = (9 ln 2 + 2 ln(4/3)) / 11 = 0.61942625.
        float value = Loss(HeadLoss.Corn, reference);

        value.Should().BeApproximately(0.61942625f, 1e-6f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void When_a_CORAL_head_is_computed_it_should_equal_the_hand_computation(bool reference)
    {
        // Every labelled row enters both tasks; per row the sum over tasks, then the weighted mean over rows.
        // Row y=0 (w 1): t = (0, 0), z = (0, ln 3) → ln 2 + ln 4.
        // Row y=1 (w 2): t = (1, 0), z = (ln 3, 0) → ln(4/3) + ln 2.
        // Row y=2 (w 3): t = (1, 1), z = (0, 0) → 2 ln 2.
        // (ln 2 + ln 4 + 2(ln(4/3) + ln 2) + 6 ln 2) / (1 + 2 + 3) = (11 ln 2 + 2 ln(4/3)) / 6 = 1.36666386.
        float value = Loss(HeadLoss.Coral, reference);

        value.Should().BeApproximately(1.36666386f, 1e-6f);
    }

    [Fact]
    public void When_heads_of_every_kind_are_mixed_it_should_match_the_per_head_reference_in_loss_and_gradient()
    {
        // Arrange: CE (K 5), CORN (K 4), CORAL (K 3), CE (K 2): outputs 5 + 3 + 2 + 2 = 12; a quarter of labels missing.
        HeadDefinition[] heads =
        [
            new("a", 5), new("b", 4, loss: HeadLoss.Corn), new("c", 3, loss: HeadLoss.Coral, lossWeight: 0.5), new("d", 2),
        ];
        var weights = new Dictionary<string, float[]>
        {
            ["a"] = [1f, 2f, 3f, 4f, 5f], ["b"] = [0.5f, 1f, 4f, 2f], ["c"] = [3f, 1f, 0.25f], ["d"] = [1f, 7f],
        };
        using var generator = new Generator(11, CPU);
        using var values = randn([64, 12], generator: generator) * 3;
        using var classes = tensor(new long[] { 5, 4, 3, 2 }, [1, 4]);
        using var raw = (rand([64, 4], generator: generator) * classes).floor().to(int64);
        using var missing = rand([64, 4], generator: generator).lt(0.25);
        using var labels = raw.masked_fill(missing, -1);
        using var loss = new MultiHeadLoss(heads, weights);
        using var fusedInput = values.detach().requires_grad_();
        using var referenceInput = values.detach().requires_grad_();

        // Act
        var fused = loss.Compute(fusedInput, labels);
        fused.Total.backward();
        var reference = loss.ComputeReference(referenceInput, labels);
        reference.Total.backward();

        // Assert
        fused.PerHead.data<float>().ToArray().Should().Equal(reference.PerHead.data<float>().ToArray(), (x, y) => Math.Abs(x - y) <= 1e-5);
        fusedInput.grad!.data<float>().ToArray().Should().Equal(referenceInput.grad!.data<float>().ToArray(), (x, y) => Math.Abs(x - y) <= 1e-5);
        fused.PerHead.data<float>().ToArray().Should().OnlyContain(v => v > 0, "every head has labelled rows");
    }

    [Theory]
    [InlineData(HeadLoss.Corn)]
    [InlineData(HeadLoss.Coral)]
    public void When_rows_have_missing_labels_it_should_ignore_them(HeadLoss kind)
    {
        // Arrange: the fixture's three labelled rows alone, and with the missing row.
        using var loss = new MultiHeadLoss([new HeadDefinition("r", 3, loss: kind)], Weights);
        using var all = tensor(Outputs, [4, 2]);
        using var labelled = all.narrow(0, 0, 3);

        // Act
        float with = loss.Compute(all, tensor(Labels, [4, 1])).Total.item<float>();
        float without = loss.Compute(labelled, tensor(Labels.Take(3).ToArray(), [3, 1])).Total.item<float>();

        // Assert
        with.Should().Be(without);
    }

    [Fact]
    public void When_the_outputs_have_the_class_count_instead_of_K_minus_1_it_should_say_what_width_ordinal_heads_need()
    {
        // Arrange
        using var loss = new MultiHeadLoss([new HeadDefinition("r", 3, loss: HeadLoss.Corn)], Weights);
        using var outputs = zeros(2, 3);
        using var labels = zeros(2, 1, dtype: int64);

        // Act
        var act = () => loss.Compute(outputs, labels);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*[batch, 2]*K-1 for CORN and CORAL*");
    }
}
