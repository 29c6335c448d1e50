using System.Runtime.InteropServices;
using Google.Protobuf;

namespace MultiHeadClassifier.Export;

/// <summary>
/// Builds one ONNX graph: float32 initializers, nodes of the default (ai.onnx) domain, and the graph's inputs and
/// outputs with a symbolic batch dimension. Value names are unique: <see cref="Name"/> hands out new ones and
/// refuses a name that is already taken.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The symbolic name of the batch dimension of every input and output.</summary>
    public const string BatchDimension = "N";

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _nodes;

    public OnnxGraph(string name) => Proto = new GraphProto { Name = name };

    public GraphProto Proto { get; }

    /// <summary>Reserves a value name exactly as given (graph inputs and outputs).</summary>
    /// <exception cref="ArgumentException">The name is already used.</exception>
    public string Reserve(string name)
    {
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The ONNX value name '{name}' would be used twice; a head name must differ from 'features' and from every other output name.");
        }

        return name;
    }

    /// <summary>A new value name that starts with <paramref name="hint"/>.</summary>
    public string Name(string hint)
    {
        string name = hint;
        for (int i = 1; _names.Contains(name); i++)
        {
            name = $"{hint}_{i}";
        }

        _names.Add(name);
        return name;
    }

    /// <summary>Adds a float32 initializer and returns its name.</summary>
    public string Constant(string hint, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto
        {
            Name = Name(hint),
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)),
        };
        tensor.Dims.AddRange(dims);
        Proto.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a float32 scalar initializer and returns its name.</summary>
    public string Scalar(string hint, float value) => Constant(hint, [value]);

    /// <summary>Adds an int64 initializer and returns its name.</summary>
    public string Int64Constant(string hint, ReadOnlySpan<long> values, params long[] dims)
    {
        var tensor = new TensorProto
        {
            Name = Name(hint),
            DataType = (int)TensorProto.Types.DataType.Int64,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)),
        };
        tensor.Dims.AddRange(dims);
        Proto.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node with one output, named after <paramref name="outputHint"/> unless it is an exact output name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, string outputHint, params AttributeProto[] attributes) =>
        Node(opType, inputs, [Name(outputHint)], attributes)[0];

    /// <summary>Adds a node whose output names are already reserved.</summary>
    public IReadOnlyList<string> Node(string opType, IEnumerable<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodes++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return outputs;
    }

    /// <summary>Declares a float32 graph input of shape [N, <paramref name="columns"/>].</summary>
    public void Input(string name, long columns) => Proto.Input.Add(Matrix(name, columns));

    /// <summary>Declares a float32 graph output of shape [N, <paramref name="columns"/>].</summary>
    public void Output(string name, long columns) => Proto.Output.Add(Matrix(name, columns));

    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attribute(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static ValueInfoProto Matrix(string name, long columns)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = columns });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
