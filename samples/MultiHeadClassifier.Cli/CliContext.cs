namespace MultiHeadClassifier.Cli;

/// <summary>Where a command writes, and whether it may draw interactive progress.</summary>
/// <param name="Stdout">Normal output.</param>
/// <param name="Stderr">Error messages.</param>
/// <param name="Interactive">True to draw a progress bar on the terminal; false for plain log lines.</param>
public sealed record CliContext(TextWriter Stdout, TextWriter Stderr, bool Interactive);
