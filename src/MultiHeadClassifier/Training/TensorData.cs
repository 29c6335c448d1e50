using MultiHeadClassifier.Data;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>Copies rows of a <see cref="MultiHeadDataset"/> into tensors.</summary>
internal static class TensorData
{
    /// <summary>Features [count, D] float32 and labels [count, H] int64 of rows start..start+count−1, on a device.</summary>
    public static (Tensor X, Tensor Y) ToTensors(MultiHeadDataset data, int start, int count, Device device)
    {
        var x = tensor(data.Features.Slice(start * data.FeatureCount, count * data.FeatureCount).ToArray(), [count, data.FeatureCount], device: device);
        var labels = data.Labels.Slice(start * data.HeadCount, count * data.HeadCount);
        var longs = new long[labels.Length];
        for (int i = 0; i < longs.Length; i++)
        {
            longs[i] = labels[i];
        }

        var y = tensor(longs, [count, data.HeadCount], device: device);
        return (x, y);
    }
}
