using System.Numerics;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Data;

/// <summary>
/// Per-feature standardisation z = (x − mean) / std, fitted on training data and stored with the model.
/// A constant feature (std 0) is only centred. Immutable and thread-safe.
/// </summary>
public sealed class FeatureStandardizer
{
    /// <summary>Creates a standardiser from known statistics.</summary>
    /// <param name="means">Per-feature means.</param>
    /// <param name="scales">Per-feature standard deviations; 0 is treated as 1.</param>
    /// <exception cref="ArgumentException">The arrays differ in length or contain non-finite values.</exception>
    public FeatureStandardizer(IReadOnlyList<double> means, IReadOnlyList<double> scales)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(scales);
        if (means.Count != scales.Count)
        {
            throw new ArgumentException($"Standardisation has {means.Count} means but {scales.Count} scales.");
        }

        if (means.Any(m => !double.IsFinite(m)) || scales.Any(s => !double.IsFinite(s) || s < 0))
        {
            throw new ArgumentException("Standardisation means and scales must be finite, and scales non-negative.");
        }

        Means = [.. means];
        Scales = [.. scales.Select(s => s == 0 ? 1.0 : s)];
        _floatMeans = [.. Means.Select(m => (float)m)];
        _floatScales = [.. Scales.Select(v => (float)v)];
    }

    private readonly float[] _floatMeans;
    private readonly float[] _floatScales;

    /// <summary>Per-feature means.</summary>
    public IReadOnlyList<double> Means { get; }

    /// <summary>Per-feature scales (population standard deviations; 1 for constant features).</summary>
    public IReadOnlyList<double> Scales { get; }

    /// <summary>Fits means and population standard deviations over one or more datasets.</summary>
    /// <param name="batches">The data, in any number of pieces with the same width.</param>
    /// <returns>The fitted standardiser.</returns>
    /// <exception cref="ArgumentException">No rows, or pieces of different widths.</exception>
    public static FeatureStandardizer Fit(IEnumerable<MultiHeadDataset> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var accumulator = new Accumulator();
        foreach (var batch in batches)
        {
            accumulator.Add(batch);
        }

        return accumulator.Finish();
    }

    /// <summary>
    /// Fits a standardisation batch by batch, so that a streaming pass that also does other work (counting classes)
    /// fits it without a pass of its own; the result is bit for bit that of <see cref="Fit"/> on the same batches.
    /// </summary>
    internal sealed class Accumulator
    {
        private double[]? _mean;
        private double[]? _m2;
        private long _n;

        /// <summary>Adds a batch's rows.</summary>
        /// <param name="batch">The batch.</param>
        /// <exception cref="ArgumentException">Its width differs from the first batch's.</exception>
        public void Add(MultiHeadDataset batch)
        {
            var mean = _mean ??= new double[batch.FeatureCount];
            var m2 = _m2 ??= new double[batch.FeatureCount];
            if (batch.FeatureCount != mean.Length)
            {
                throw new ArgumentException($"A batch has {batch.FeatureCount} feature columns, but the first had {mean.Length}.");
            }

            var x = batch.Features;
            for (int r = 0; r < batch.RowCount; r++)
            {
                _n++;
                for (int j = 0; j < mean.Length; j++)
                {
                    // Welford's update keeps the variance accurate for large means.
                    double v = x[r * mean.Length + j];
                    double delta = v - mean[j];
                    mean[j] += delta / _n;
                    m2[j] += delta * (v - mean[j]);
                }
            }
        }

        /// <summary>The standardisation of every row added.</summary>
        /// <returns>The standardizer.</returns>
        /// <exception cref="ArgumentException">No row was added.</exception>
        public FeatureStandardizer Finish()
        {
            if (_mean is null || _m2 is null || _n == 0)
            {
                throw new ArgumentException("Standardisation needs at least one row.");
            }

            long n = _n;
            return new FeatureStandardizer(_mean, _m2.Select(s => Math.Sqrt(s / n)).ToArray());
        }
    }

    /// <summary>
    /// Standardises row-major [rows, features] values into <paramref name="destination"/> in float32, giving the
    /// same bits as <see cref="Apply"/> (a float subtraction, then a float division, per value).
    /// </summary>
    internal void Transform(ReadOnlySpan<float> source, Span<float> destination)
    {
        int width = _floatMeans.Length;
        for (int start = 0; start < source.Length; start += width)
        {
            var row = source.Slice(start, width);
            var output = destination.Slice(start, width);
            int c = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; c <= width - Vector<float>.Count; c += Vector<float>.Count)
                {
                    var centred = new Vector<float>(row[c..]) - new Vector<float>(_floatMeans, c);
                    (centred / new Vector<float>(_floatScales, c)).CopyTo(output[c..]);
                }
            }

            for (; c < width; c++)
            {
                output[c] = (row[c] - _floatMeans[c]) / _floatScales[c];
            }
        }
    }

    /// <summary>Applies the standardisation to a [rows, features] tensor, returning a new tensor.</summary>
    /// <param name="features">The raw features.</param>
    /// <returns>The standardised features.</returns>
    public Tensor Apply(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        var mean = tensor(Means.Select(m => (float)m).ToArray(), device: features.device);
        var scale = tensor(Scales.Select(s => (float)s).ToArray(), device: features.device);
        return ((features - mean) / scale).MoveToOuterDisposeScope();
    }
}
