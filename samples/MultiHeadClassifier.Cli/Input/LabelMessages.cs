using MultiHeadClassifier.Cli.Csv;

namespace MultiHeadClassifier.Cli.Input;

/// <summary>The messages for a bad label cell, worded once for every input format and command.</summary>
internal static class LabelMessages
{
    /// <summary>The message for a label cell that is not a class index.</summary>
    /// <param name="where">The cell's location (file, line or row, column).</param>
    /// <param name="head">The head's name.</param>
    /// <param name="text">The cell's text.</param>
    /// <param name="missingLabel">How the file writes a missing label (<see cref="TabularInput.MissingLabel"/>): <c>empty</c> in CSV.</param>
    /// <returns>The message.</returns>
    public static string NotAClassIndex(string where, string head, string text, string missingLabel = "empty") =>
        $"{where}, head '{head}': {MessageText.Quote(text)} is not a class index (an integer 0..K-1, or {missingLabel} for a missing label).";

    /// <summary>The error for a label at or above its head's class count.</summary>
    /// <param name="where">The cell's location (file, line or row, column).</param>
    /// <param name="head">The head's name.</param>
    /// <param name="label">The label.</param>
    /// <param name="classCount">The head's class count.</param>
    /// <returns>The exception to throw.</returns>
    public static CliException OutOfRange(string where, string head, int label, int classCount) =>
        new($"{where}, head '{head}': label {label} is outside 0..{classCount - 1}.");
}
