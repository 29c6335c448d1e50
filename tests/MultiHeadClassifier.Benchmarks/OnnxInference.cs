using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using MultiHeadClassifier.Export;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Benchmarks;

/// <summary>
/// Scores with the model's ONNX export in ONNX Runtime, as a service without libtorch would: the same rows, in
/// batches of Predict's default size, each head's outputs copied into a [rows, K] array as Predict returns them.
/// </summary>
internal sealed class OnnxInference : IDisposable
{
    private const int BatchSize = 2048;

    private readonly InferenceSession _session;
    private readonly string _path;
    private readonly int _width;
    private readonly int[] _classes;

    public OnnxInference(MultiHeadModel model, int threads)
    {
        _path = Path.Combine(Path.GetTempPath(), $"mhc-bench-{Guid.NewGuid():N}.onnx");
        model.ExportOnnx(_path);
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        _session = new InferenceSession(_path, options);
        _width = model.InputWidth;
        _classes = [.. model.Heads.Select(h => h.ClassCount)];
    }

    public long FileBytes => new FileInfo(_path).Length;

    /// <summary>Scores every row; returns the per-head outputs.</summary>
    public float[][,] Score(float[,] features)
    {
        int rows = features.GetLength(0);
        var outputs = _classes.Select(k => new float[rows, k]).ToArray();
        var all = MemoryMarshal.CreateSpan(ref Unsafe.As<byte, float>(ref MemoryMarshal.GetArrayDataReference(features)), features.Length).ToArray();
        using var runOptions = new RunOptions();
        for (int start = 0; start < rows; start += BatchSize)
        {
            int count = Math.Min(BatchSize, rows - start);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(all, start * _width, count * _width), [count, _width]);
            using var results = _session.Run(runOptions, ["features"], [input], _session.OutputNames);
            for (int h = 0; h < _classes.Length; h++)
            {
                var target = MemoryMarshal.CreateSpan(ref Unsafe.As<byte, float>(ref MemoryMarshal.GetArrayDataReference(outputs[h])), outputs[h].Length);
                results[h].GetTensorDataAsSpan<float>().CopyTo(target.Slice(start * _classes[h], count * _classes[h]));
            }
        }

        return outputs;
    }

    public void Dispose()
    {
        _session.Dispose();
        File.Delete(_path);
    }
}
