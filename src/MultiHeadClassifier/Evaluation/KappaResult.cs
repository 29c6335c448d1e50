namespace MultiHeadClassifier.Evaluation;

/// <summary>
/// A kappa value, or the reason it is undefined. Exactly one of <see cref="Value"/> and
/// <see cref="UndefinedReason"/> is non-null.
/// </summary>
/// <param name="Value">The kappa, or null when undefined.</param>
/// <param name="UndefinedReason">Why the kappa is undefined, or null when it has a value.</param>
internal sealed record KappaResult(double? Value, string? UndefinedReason);
