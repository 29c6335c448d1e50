namespace MultiHeadClassifier.Cli;

/// <summary>A user error (bad arguments or bad input): printed as one line on stderr, without a stack trace.</summary>
public sealed class CliException : Exception
{
    /// <summary>Exit code for usage errors and bad input.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line naming the problem and where it is (file, line, column, head).</param>
    public CliException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line naming the problem.</param>
    /// <param name="innerException">The cause.</param>
    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CliException()
    {
    }
}
