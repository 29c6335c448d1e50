using MultiHeadClassifier.Internal;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MultiHeadClassifier.Modeling;

/// <summary>
/// The built-in backbone: Linear → [LayerNorm] → activation → [dropout] for each hidden size.
/// State-dict keys are <c>layers.&lt;i&gt;.weight</c> and so on under the model's <c>backbone.</c> prefix.
/// </summary>
internal sealed class MlpBackbone : nn.Module<Tensor, Tensor>
{
    // The component name is the state-dict key prefix (backbone.layers.…), part of the model file format.
    private const string LayersName = "layers";

    [ComponentName(Name = LayersName)]
    private readonly Sequential _layers;

    public MlpBackbone(int inputWidth, MlpBackboneOptions options, RandomSource random)
        : base(nameof(MlpBackbone))
    {
        var modules = new List<nn.Module<Tensor, Tensor>>();
        int width = inputWidth;
        foreach (int hidden in options.HiddenSizes)
        {
            modules.Add(nn.Linear(width, hidden));
            if (options.LayerNorm)
            {
                modules.Add(nn.LayerNorm(hidden));
            }

            modules.Add(options.Activation switch
            {
                Activation.GELU => nn.GELU(),
                Activation.Tanh => nn.Tanh(),
                Activation.SiLU => nn.SiLU(),
                _ => nn.ReLU(inplace: true),
            });
            if (options.Dropout > 0)
            {
                modules.Add(new SeededDropout(options.Dropout, random));
            }

            width = hidden;
        }

        OutputWidth = width;
        _layers = nn.Sequential(modules);
        RegisterComponents();
    }

    /// <summary>The width of the backbone's output.</summary>
    public int OutputWidth { get; }

    /// <summary>
    /// The state-dict declarations of the backbone these arguments build, in order, computed without creating a
    /// module: per hidden layer <c>layers.&lt;i&gt;.weight</c> [hidden, width in] and <c>.bias</c> [hidden], then with
    /// layer normalisation <c>layers.&lt;i + 1&gt;.weight</c> and <c>.bias</c> [hidden]. The index <c>i</c> counts every
    /// module of the sequence the constructor builds (activations and dropout too), so this follows its order.
    /// </summary>
    /// <param name="inputWidth">The number of input features.</param>
    /// <param name="options">Valid options.</param>
    /// <returns>Key, element type and shape of every parameter, keys relative to the backbone.</returns>
    public static List<TensorSpec> StateDictSpecs(int inputWidth, MlpBackboneOptions options)
    {
        var dtype = get_default_dtype();
        var specs = new List<TensorSpec>();
        int index = 0;
        long width = inputWidth;
        foreach (int hidden in options.HiddenSizes)
        {
            specs.Add(new($"{LayersName}.{index}.weight", dtype, [hidden, width]));
            specs.Add(new($"{LayersName}.{index}.bias", dtype, [hidden]));
            index++;
            if (options.LayerNorm)
            {
                specs.Add(new($"{LayersName}.{index}.weight", dtype, [hidden]));
                specs.Add(new($"{LayersName}.{index}.bias", dtype, [hidden]));
                index++;
            }

            index += options.Dropout > 0 ? 2 : 1;
            width = hidden;
        }

        return specs;
    }

    public override Tensor forward(Tensor input) => _layers.forward(input);
}
