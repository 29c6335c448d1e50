using System.Runtime.InteropServices;
using MultiHeadClassifier.Data;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Training;

/// <summary>Copies rows of a <see cref="MultiHeadDataset"/> into tensors.</summary>
internal static class TensorData
{
    /// <summary>
    /// All of a dataset's features as a [rows, D] float32 tensor on a device, standardised on the way when a
    /// standardizer is given: one pass, the same floats as <see cref="MultiHeadClassifier.Modeling.MultiHeadModel.Prepare"/>
    /// applied to the raw tensor ((x − mean) / scale in float32).
    /// </summary>
    public static Tensor Features(MultiHeadDataset data, FeatureStandardizer? standardizer, Device device)
    {
        var x = empty([data.RowCount, data.FeatureCount], float32, CPU);
        var destination = MemoryMarshal.Cast<byte, float>(x.bytes);
        if (standardizer is null)
        {
            data.Features.CopyTo(destination);
        }
        else
        {
            standardizer.Transform(data.Features, destination);
        }

        return device.type == TorchSharp.DeviceType.CPU ? x : x.to(device);
    }

    /// <summary>All of a dataset's labels as a [rows, H] int64 tensor on a device.</summary>
    public static Tensor Labels(MultiHeadDataset data, Device device)
    {
        var y = empty([data.RowCount, data.HeadCount], int64, CPU);
        var longs = MemoryMarshal.Cast<byte, long>(y.bytes);
        var labels = data.Labels;
        for (int i = 0; i < labels.Length; i++)
        {
            longs[i] = labels[i];
        }

        return device.type == TorchSharp.DeviceType.CPU ? y : y.to(device);
    }

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
