using System.Buffers.Text;

namespace MultiHeadClassifier.Benchmarks.Scale;

/// <summary>
/// Writes the scale benchmark's CSV: a header <c>f0..f39,h0..h7</c>, then rows of 40 standard-normal features with
/// four decimals and 8 labels in 0..4, skewed toward 4 like <see cref="WorkloadData"/>'s, about 3% empty (missing).
/// One million rows make about 316 MB, the size of the file in issue #13. Seeded, so every run writes the same bytes.
/// </summary>
internal static class ScaleCsv
{
    public const int Features = 40;
    public const int Heads = 8;
    public const int Classes = 5;

    private static readonly double[] Cumulative = [0.05, 0.13, 0.25, 0.50, 1.0];

    public static string[] HeadNames { get; } = [.. Enumerable.Range(0, Heads).Select(h => $"h{h}")];

    public static void Write(string path, long rows, int seed = 1)
    {
        var random = new Random(seed);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var header = string.Join(',', Enumerable.Range(0, Features).Select(f => $"f{f}").Concat(HeadNames)) + "\n";
        stream.Write(System.Text.Encoding.ASCII.GetBytes(header));
        var line = new byte[1024];
        var format = new System.Buffers.StandardFormat('F', 4);
        for (long r = 0; r < rows; r++)
        {
            int n = 0;
            for (int f = 0; f < Features; f += 2)
            {
                // Box–Muller: two standard normals from two uniforms.
                double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
                double angle = 2 * Math.PI * random.NextDouble();
                n += Cell(line.AsSpan(n), radius * Math.Cos(angle), format);
                n += Cell(line.AsSpan(n), radius * Math.Sin(angle), format);
            }

            for (int h = 0; h < Heads; h++)
            {
                if (random.NextDouble() >= 0.03 || r < Classes)
                {
                    // Every class of every head appears in the first rows, so balanced class weights are defined.
                    line[n++] = (byte)('0' + (r < Classes ? (int)r : Label(random.NextDouble())));
                }

                line[n++] = (byte)(h + 1 < Heads ? ',' : '\n');
            }

            stream.Write(line, 0, n);
        }
    }

    private static int Cell(Span<byte> destination, double value, System.Buffers.StandardFormat format)
    {
        Utf8Formatter.TryFormat(Math.Round(value, 4), destination, out int written, format);
        destination[written] = (byte)',';
        return written + 1;
    }

    private static int Label(double u)
    {
        for (int c = 0; c < Cumulative.Length; c++)
        {
            if (u < Cumulative[c])
            {
                return c;
            }
        }

        return Classes - 1;
    }
}
