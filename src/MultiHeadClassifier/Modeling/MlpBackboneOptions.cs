namespace MultiHeadClassifier.Modeling;

/// <summary>Configuration of the built-in MLP backbone. Immutable; saved with the model.</summary>
public sealed record MlpBackboneOptions
{
    /// <summary>Widths of the hidden layers, in order.</summary>
    /// <value>Default [128, 64]. An empty list feeds the (standardised) features straight into the heads.</value>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [128, 64];

    /// <summary>The activation after each hidden layer.</summary>
    /// <value>Default <see cref="Activation.ReLU"/>.</value>
    public Activation Activation { get; init; } = Activation.ReLU;

    /// <summary>Dropout probability after each hidden activation, during training only.</summary>
    /// <value>Default 0 (no dropout). Must be in [0, 1).</value>
    public double Dropout { get; init; }

    /// <summary>Whether each hidden layer is followed by layer normalisation (before the activation).</summary>
    /// <value>Default false.</value>
    public bool LayerNorm { get; init; }

    /// <summary>Lists every invalid setting.</summary>
    /// <returns>One message per problem; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HiddenSizes is null)
        {
            errors.Add("HiddenSizes must not be null.");
        }
        else
        {
            for (int i = 0; i < HiddenSizes.Count; i++)
            {
                if (HiddenSizes[i] <= 0)
                {
                    errors.Add($"HiddenSizes[{i}] must be positive, but was {HiddenSizes[i]}.");
                }
            }
        }

        if (!(Dropout >= 0 && Dropout < 1))
        {
            errors.Add($"Dropout must be in [0, 1), but was {Dropout}.");
        }

        if (!Enum.IsDefined(Activation))
        {
            errors.Add($"Activation {(int)Activation} is not a known activation.");
        }

        return errors;
    }
}
