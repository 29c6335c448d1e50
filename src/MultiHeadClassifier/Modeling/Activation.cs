namespace MultiHeadClassifier.Modeling;

/// <summary>The activation function between the hidden layers of the built-in MLP backbone.</summary>
public enum Activation
{
    /// <summary>max(0, x). The default.</summary>
    ReLU,

    /// <summary>Gaussian error linear unit.</summary>
    GELU,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,

    /// <summary>x · sigmoid(x), also called Swish.</summary>
    SiLU,
}
