using Microsoft.ML.OnnxRuntime;

namespace MultiHeadClassifier.Tests.Export;

/// <summary>Runs an ONNX file in ONNX Runtime, the independent reference for the export.</summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxRunner(string path) => _session = new InferenceSession(path);

    public IReadOnlyList<string> InputNames => _session.InputNames;

    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    public IReadOnlyDictionary<string, string> Metadata => _session.ModelMetadata.CustomMetadataMap;

    /// <summary>Runs the graph on [rows, features] and returns every output as a [rows, columns] matrix, by name.</summary>
    public Dictionary<string, float[,]> Run(float[,] features)
    {
        float[] flat = [.. features.Cast<float>()];
        using var input = OrtValue.CreateTensorValueFromMemory(flat, [features.GetLength(0), features.GetLength(1)]);
        using var options = new RunOptions();
        using var outputs = _session.Run(options, ["features"], [input], _session.OutputNames);
        var result = new Dictionary<string, float[,]>(StringComparer.Ordinal);
        for (int i = 0; i < outputs.Count; i++)
        {
            long[] shape = outputs[i].GetTensorTypeAndShape().Shape;
            var values = outputs[i].GetTensorDataAsSpan<float>();
            var matrix = new float[shape[0], shape[1]];
            for (int r = 0; r < shape[0]; r++)
            {
                for (int c = 0; c < shape[1]; c++)
                {
                    matrix[r, c] = values[(int)((r * shape[1]) + c)];
                }
            }

            result[_session.OutputNames[i]] = matrix;
        }

        return result;
    }

    public void Dispose() => _session.Dispose();
}
