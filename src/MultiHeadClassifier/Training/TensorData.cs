using System.Runtime.InteropServices;
using MultiHeadClassifier.Data;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>Copies rows of a <see cref="MultiHeadDataset"/> into tensors.</summary>
internal static class TensorData
{
    /// <summary>Features [count, D] float32 and labels [count, H] int64 of rows start..start+count−1, on a device.</summary>
    public static (Tensor X, Tensor Y) ToTensors(MultiHeadDataset data, int start, int count, Device device)
    {
        // Tensor.bytes is a plain span over the tensor's memory: filling it is a memcpy, unlike
        // torch.tensor(array) or TensorAccessor.CopyFrom, which copy element by element.
        var x = empty([count, data.FeatureCount], float32, CPU);
        data.Features.Slice(start * data.FeatureCount, count * data.FeatureCount).CopyTo(MemoryMarshal.Cast<byte, float>(x.bytes));
        var y = empty([count, data.HeadCount], int64, CPU);
        var labels = data.Labels.Slice(start * data.HeadCount, count * data.HeadCount);
        var longs = MemoryMarshal.Cast<byte, long>(y.bytes);
        for (int i = 0; i < labels.Length; i++)
        {
            longs[i] = labels[i];
        }

        return device.type == TorchSharp.DeviceType.CPU ? (x, y) : (x.to(device), y.to(device));
    }
}
