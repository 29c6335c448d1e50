using FluentAssertions;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Calibration;

public class TemperatureCorrectionTests
{
    [Fact]
    public void When_logits_are_three_times_the_calibrated_ones_it_should_recover_a_temperature_near_three()
    {
        // Arrange: labels are drawn from softmax(z), so z is calibrated; the fitter sees 3·z, whose best
        // temperature is 3. With 20 000 rows the estimate's standard error is about 1 %, so ±0.15 (5 %) is ample.
        (float[,] z, int[] labels) = CalibratedSample(seed: 11, rows: 20_000, classes: 5, scale: 2.0);
        float[,] overconfident = Scale(z, 3f);

        // Act
        double t = TemperatureCorrection.Fit(overconfident, labels);

        // Assert
        t.Should().BeApproximately(3.0, 0.15);
    }

    [Fact]
    public void When_logits_are_already_calibrated_it_should_fit_a_temperature_near_one()
    {
        // Arrange
        (float[,] z, int[] labels) = CalibratedSample(seed: 5, rows: 20_000, classes: 4, scale: 1.5);

        // Act
        double t = TemperatureCorrection.Fit(z, labels);

        // Assert
        t.Should().BeApproximately(1.0, 0.05);
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 0.3)]
    [InlineData(3, 4.0)]
    [InlineData(4, 1.0)]
    [InlineData(5, 0.05)]
    public void When_a_temperature_is_fitted_it_should_not_raise_the_nll_compared_with_one(int seed, double logitScale)
    {
        // Arrange: small sets (60 rows) at various miscalibrations; seed 4 has labels unrelated to the logits.
        (float[,] z, int[] labels) = CalibratedSample(seed, rows: 60, classes: 3, scale: 2.0);
        if (seed == 4)
        {
            var random = new Random(seed);
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = random.Next(3);
            }
        }

        float[,] logits = Scale(z, (float)logitScale);

        // Act
        double t = TemperatureCorrection.Fit(logits, labels);

        // Assert
        double nllAtT = Nll(TemperatureCorrection.Apply(logits, t), labels);
        double nllAtOne = Nll(logits, labels);
        t.Should().BeInRange(TemperatureCorrection.MinimumTemperature, TemperatureCorrection.MaximumTemperature);
        nllAtT.Should().BeLessThanOrEqualTo(nllAtOne + 1e-9);
    }

    [Fact]
    public void When_rows_are_unlabelled_it_should_ignore_them()
    {
        // Arrange: the same 500 labelled rows, then 500 more rows with wild logits and label −1.
        (float[,] z, int[] labels) = CalibratedSample(seed: 8, rows: 500, classes: 3, scale: 2.0);
        var padded = new float[1000, 3];
        var paddedLabels = new int[1000];
        for (int r = 0; r < 1000; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                padded[r, c] = r < 500 ? z[r, c] : (c == 0 ? 50f : -50f);
            }

            paddedLabels[r] = r < 500 ? labels[r] : -1;
        }

        // Act
        double alone = TemperatureCorrection.Fit(z, labels);
        double withMissing = TemperatureCorrection.Fit(padded, paddedLabels);

        // Assert
        withMissing.Should().Be(alone);
    }

    [Fact]
    public void When_no_row_has_a_label_it_should_explain_that_nothing_can_be_fitted()
    {
        // Arrange
        var logits = new float[,] { { 1f, 0f }, { 0f, 1f } };

        // Act
        Action act = () => TemperatureCorrection.Fit(logits, [-1, -1]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*no row has a label*");
    }

    [Fact]
    public void When_a_label_is_out_of_range_it_should_name_the_label_and_row()
    {
        // Arrange
        var logits = new float[,] { { 1f, 0f }, { 0f, 1f } };

        // Act
        Action act = () => TemperatureCorrection.Fit(logits, [0, 2]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*label 2 at row 1 is outside 0..1*");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void When_the_temperature_is_not_positive_and_finite_it_should_reject_it(double t)
    {
        // Arrange
        var logits = new float[,] { { 1f, 0f } };

        // Act
        Action act = () => TemperatureCorrection.Apply(logits, t);

        // Assert
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("temperature");
    }

    [Fact]
    public void When_applied_it_should_divide_every_logit_by_the_temperature()
    {
        // Arrange
        var logits = new float[,] { { 2f, -4f }, { 0f, 1f } };

        // Act
        float[,] scaled = TemperatureCorrection.Apply(logits, 2.0);

        // Assert
        scaled.Should().BeEquivalentTo(new float[,] { { 1f, -2f }, { 0f, 0.5f } });
    }

    /// <summary>Logits with N(0, scale²) entries and labels drawn from their softmax.</summary>
    private static (float[,] Logits, int[] Labels) CalibratedSample(int seed, int rows, int classes, double scale)
    {
        var random = new Random(seed);
        var logits = new float[rows, classes];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < classes; c++)
            {
                double u1 = 1.0 - random.NextDouble();
                double u2 = random.NextDouble();
                logits[r, c] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
        }

        double[,] p = LogitMath.Softmax(logits);
        for (int r = 0; r < rows; r++)
        {
            double u = random.NextDouble();
            double cumulative = 0;
            labels[r] = classes - 1;
            for (int c = 0; c < classes; c++)
            {
                cumulative += p[r, c];
                if (u < cumulative)
                {
                    labels[r] = c;
                    break;
                }
            }
        }

        return (logits, labels);
    }

    private static float[,] Scale(float[,] logits, float factor)
    {
        var result = new float[logits.GetLength(0), logits.GetLength(1)];
        for (int r = 0; r < logits.GetLength(0); r++)
        {
            for (int c = 0; c < logits.GetLength(1); c++)
            {
                result[r, c] = logits[r, c] * factor;
            }
        }

        return result;
    }

    private static double Nll(float[,] logits, int[] labels) =>
        ProbabilisticMetrics.NegativeLogLikelihood(labels, LogitMath.Softmax(logits))!.Value;
}
