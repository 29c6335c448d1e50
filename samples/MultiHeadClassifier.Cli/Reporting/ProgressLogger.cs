using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace MultiHeadClassifier.Cli.Reporting;

/// <summary>
/// The <see cref="ILogger"/> that <c>mhc</c> hands the trainer (<c>MultiHeadTrainerOptions.Logger</c>) and the
/// temperature fit: it writes each message at <see cref="LogLevel.Information"/> or above as one line of the
/// display in use, above the progress bar on a terminal or as a plain line when output is redirected. Epoch
/// summaries are drawn from their structured values in the CLI's own short form (<c>epoch 3/10 train_loss …</c>);
/// warnings start with <c>warning: </c>. Debug messages are dropped.
/// </summary>
public sealed class ProgressLogger : ILogger
{
    private readonly Action<string> _writeLine;
    private readonly bool _terminal;

    private ProgressLogger(Action<string> writeLine, bool terminal)
    {
        _writeLine = writeLine;
        _terminal = terminal;
    }

    /// <summary>A logger for the command's display: the terminal (through Spectre.Console) or plain lines on stdout.</summary>
    /// <param name="context">The command's context; <see cref="CliContext.Interactive"/> picks the display.</param>
    /// <returns>The logger.</returns>
    public static ProgressLogger For(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Interactive
            ? new ProgressLogger(line => AnsiConsole.MarkupLine(Markup.Escape(line)), terminal: true)
            : new ProgressLogger(context.Stdout.WriteLine, terminal: false);
    }

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string line = eventId.Name is "EpochCompleted" or "EpochCompletedWithoutValidation" && state is IReadOnlyList<KeyValuePair<string, object?>> values
            ? EpochLine(values)
            : formatter(state, exception);
        _writeLine(logLevel >= LogLevel.Warning ? "warning: " + line : line);
    }

    /// <summary>Today's epoch line: <c>epoch 3/10 train_loss 1.2345 valid_loss 1.3456 lr 0.001 0.42s</c> (shorter on a terminal).</summary>
    private string EpochLine(IReadOnlyList<KeyValuePair<string, object?>> values)
    {
        object? Value(string key) => values.FirstOrDefault(v => v.Key == key).Value;
        var inv = CultureInfo.InvariantCulture;
        string epoch = string.Create(inv, $"epoch {Value("Epoch")}/{Value("Epochs")}");
        double train = Convert.ToDouble(Value("TrainLoss"), inv);
        double? valid = Value("ValidationLoss") is { } v ? Convert.ToDouble(v, inv) : null;
        if (_terminal)
        {
            string validText = valid is { } t ? string.Create(inv, $" valid {t:F4}") : string.Empty;
            return string.Create(inv, $"{epoch} train {train:F4}{validText}");
        }

        double lr = Convert.ToDouble(Value("LearningRate"), inv);
        double seconds = Convert.ToDouble(Value("DurationSeconds"), inv);
        string validPlain = valid is { } p ? string.Create(inv, $" valid_loss {p:F4}") : string.Empty;
        return string.Create(inv, $"{epoch} train_loss {train:F4}{validPlain} lr {lr:G4} {seconds:F2}s");
    }
}
