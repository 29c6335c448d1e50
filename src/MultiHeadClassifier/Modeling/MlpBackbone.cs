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
    [ComponentName(Name = "layers")]
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

    public override Tensor forward(Tensor input) => _layers.forward(input);
}
