namespace MultiHeadClassifier.Cli;

/// <summary>Where a command writes, whether it may draw interactive progress, and what interrupts it.</summary>
/// <param name="Stdout">Normal output.</param>
/// <param name="Stderr">Error messages.</param>
/// <param name="Interactive">True to draw a progress bar on the terminal; false for plain log lines.</param>
/// <param name="CancellationToken">Interrupts training at the end of the current batch (Ctrl+C in <c>mhc</c>).</param>
public sealed record CliContext(TextWriter Stdout, TextWriter Stderr, bool Interactive, CancellationToken CancellationToken = default);
