using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace MultiHeadClassifier.Serving;

/// <summary>
/// One exported model in an ONNX Runtime session: its heads, features and imputation from the model's metadata,
/// and batched scoring. A session is thread-safe, so one scorer may serve concurrent requests.
/// </summary>
internal sealed class OnnxScorer : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxScorer(string path, int? threads = null)
    {
        if (!File.Exists(path))
        {
            throw new ServingException($"{path}: model file not found.");
        }

        using var options = new SessionOptions();
        if (threads is { } n)
        {
            options.IntraOpNumThreads = n;
        }

        _session = new InferenceSession(path, options);
        var metadata = _session.ModelMetadata.CustomMetadataMap;
        if (!metadata.TryGetValue("heads", out string? heads) || !metadata.TryGetValue("classes", out string? classes) || !metadata.TryGetValue("feature_count", out string? count))
        {
            throw new ServingException($"{path}: not a model exported by MultiHeadClassifier (its metadata lacks heads, classes or feature_count).");
        }

        var classNames = JsonSerializer.Deserialize<Dictionary<string, string[]>>(classes)!;
        Heads = [.. JsonSerializer.Deserialize<string[]>(heads)!.Select(h => (h, classNames[h].Length))];
        FeatureCount = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture);
        FeatureNames = metadata.TryGetValue("features", out string? names) ? JsonSerializer.Deserialize<string[]>(names) : null;
        Imputes = metadata.TryGetValue("imputation", out string? imputation) && imputation == "mean";
        HasProbabilities = _session.OutputNames.Contains(Heads[0].Name + "_probabilities");
    }

    /// <summary>The heads and their class counts, in output order.</summary>
    public IReadOnlyList<(string Name, int Classes)> Heads { get; }

    public int FeatureCount { get; }

    public IReadOnlyList<string>? FeatureNames { get; }

    /// <summary>Whether the graph replaces NaN features with training means.</summary>
    public bool Imputes { get; }

    public bool HasProbabilities { get; }

    /// <summary>Scores row-major features in batches; returns every output, row-major, by output name.</summary>
    public Dictionary<string, float[]> Score(float[] features, int rows, int batchSize)
    {
        var result = _session.OutputNames.ToDictionary(n => n, n => new float[rows * Columns(n)], StringComparer.Ordinal);
        using var runOptions = new RunOptions();
        for (int start = 0; start < rows; start += batchSize)
        {
            int count = Math.Min(batchSize, rows - start);
            var memory = new Memory<float>(features, start * FeatureCount, count * FeatureCount);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, [count, FeatureCount]);
            using var outputs = _session.Run(runOptions, ["features"], [input], _session.OutputNames);
            for (int i = 0; i < outputs.Count; i++)
            {
                string name = _session.OutputNames[i];
                outputs[i].GetTensorDataAsSpan<float>().CopyTo(result[name].AsSpan(start * Columns(name)));
            }
        }

        return result;
    }

    public void Dispose() => _session.Dispose();

    private int Columns(string output) => Heads.First(h => output == h.Name || output == h.Name + "_probabilities").Classes;
}
