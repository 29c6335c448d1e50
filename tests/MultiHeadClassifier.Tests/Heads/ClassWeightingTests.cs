using FluentAssertions;
using MultiHeadClassifier.Heads;
using Xunit;

namespace MultiHeadClassifier.Tests.Heads;

public class ClassWeightingTests
{
    // Counts from the motivating case: n = 3100 labelled rows, K = 5.
    private static readonly long[] Counts = [100, 200, 400, 800, 1600];

    [Fact]
    public void When_weighting_is_balanced_it_should_give_n_over_K_times_count()
    {
        // n / (K · count): 3100/500 = 6.2, 3100/1000 = 3.1, 3100/2000 = 1.55, 3100/4000 = 0.775, 3100/8000 = 0.3875.
        var weights = ClassWeighting.Balanced().Compute(Counts);

        weights.Should().Equal([6.2f, 3.1f, 1.55f, 0.775f, 0.3875f], (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void When_weighting_is_inverse_sqrt_it_should_give_the_square_root_of_the_balanced_weight()
    {
        // sqrt(6.2) = 2.48998, sqrt(3.1) = 1.76068, sqrt(1.55) = 1.24499, sqrt(0.775) = 0.88034, sqrt(0.3875) = 0.62249.
        var weights = ClassWeighting.InverseSqrt().Compute(Counts);

        weights.Should().Equal([2.48998f, 1.76068f, 1.24499f, 0.88034f, 0.62249f], (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Fact]
    public void When_weighting_is_effective_number_it_should_follow_Cui_et_al_normalised_to_K()
    {
        // β = 0.99: raw_c = (1 − β) / (1 − β^count_c).
        // 0.99^100 = 0.366032, 0.99^200 = 0.133980, 0.99^400 = 0.017951, 0.99^800 = 0.000322, 0.99^1600 ≈ 1.04e-7.
        // raw = 0.01/0.633968, 0.01/0.866020, 0.01/0.982049, 0.01/0.999678, 0.01/0.9999999
        //     = 0.0157737, 0.0115471, 0.0101828, 0.0100032, 0.0100000; Σ = 0.0575068.
        // w = raw · 5 / Σ = 1.371463, 1.003975, 0.885356, 0.869743, 0.869463.
        var weights = ClassWeighting.EffectiveNumber(beta: 0.99).Compute(Counts);

        weights.Should().Equal([1.371463f, 1.003975f, 0.885356f, 0.869743f, 0.869463f], (a, b) => Math.Abs(a - b) < 1e-5);
        weights.Sum().Should().BeApproximately(5f, 1e-5f);
    }

    [Fact]
    public void When_weighting_is_none_it_should_give_ones()
    {
        ClassWeighting.None.Compute(Counts).Should().Equal(1f, 1f, 1f, 1f, 1f);
    }

    [Fact]
    public void When_a_class_has_no_rows_it_should_explain_and_offer_explicit_weights_or_smoothing()
    {
        var act = () => ClassWeighting.Balanced().Compute([10, 0, 5], "acting");

        act.Should().Throw<ArgumentException>().WithMessage("*'acting'*class 1*no labelled training rows*Explicit*smoothing*");
    }

    [Fact]
    public void When_smoothing_is_given_it_should_add_it_to_every_count()
    {
        // Counts [10, 0, 5] + 1 = [11, 1, 6]; n = 18; w = 18 / (3 · count) = 0.545455, 6, 1.
        var weights = ClassWeighting.Balanced(smoothing: 1).Compute([10, 0, 5], "acting");

        weights.Should().Equal([0.545455f, 6f, 1f], (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(0f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void When_an_explicit_weight_is_not_positive_finite_it_should_throw_naming_the_class(float bad)
    {
        var act = () => ClassWeighting.Explicit(1f, bad, 1f);

        act.Should().Throw<ArgumentException>().WithMessage("Class weight 1 is*");
    }

    [Fact]
    public void When_explicit_weights_have_the_wrong_length_it_should_throw_naming_the_head()
    {
        var act = () => new HeadDefinition("plot", 5, weighting: ClassWeighting.Explicit(1f, 2f));

        act.Should().Throw<ArgumentException>().WithMessage("*'plot'*5 classes*2 explicit class weights*");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void When_beta_is_outside_0_to_1_it_should_throw(double beta)
    {
        var act = () => ClassWeighting.EffectiveNumber(beta);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*beta*");
    }
}
