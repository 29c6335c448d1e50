using Microsoft.Extensions.Logging;

namespace MultiHeadClassifier.Corrections;

/// <summary>
/// What <see cref="ModelCorrections.FitTemperatures(Modeling.MultiHeadModel, Data.MultiHeadDataset, bool, ILogger?)"/>
/// logs: event ids 100 and up, after the trainer's.
/// </summary>
internal static partial class CorrectionLog
{
    [LoggerMessage(EventId = 100, EventName = "TemperatureFitted", Level = LogLevel.Debug,
        Message = "Head '{Head}': temperature {Temperature:G6}")]
    public static partial void TemperatureFitted(ILogger logger, string head, double temperature);

    [LoggerMessage(EventId = 101, EventName = "TemperatureAtBound", Level = LogLevel.Warning,
        Message = "Head '{Head}': the fitted temperature {Temperature:G6} is at the search bound {Bound}; the NLL was still falling there, so the head's held-out logits are degenerate (constant, or separating the classes perfectly) or too few to fit on")]
    public static partial void TemperatureAtBound(ILogger logger, string head, double temperature, double bound);

    [LoggerMessage(EventId = 102, EventName = "TemperatureWithoutLabels", Level = LogLevel.Warning,
        Message = "Head '{Head}': the held-out data has no labelled rows, so its temperature is 1 (no correction)")]
    public static partial void TemperatureWithoutLabels(ILogger logger, string head);
}
