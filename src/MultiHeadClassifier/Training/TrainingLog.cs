using Microsoft.Extensions.Logging;

namespace MultiHeadClassifier.Training;

/// <summary>
/// What <see cref="MultiHeadTrainer"/> writes to <see cref="MultiHeadTrainerOptions.Logger"/>: structured
/// messages (source-generated, so nothing is formatted unless the level is enabled), once per run, per epoch or per
/// decision, never per batch. Event ids 1–99 are the trainer's; <c>ModelCorrections</c> uses 100 and up.
/// </summary>
internal static partial class TrainingLog
{
    [LoggerMessage(EventId = 1, EventName = "TrainingStarted", Level = LogLevel.Information,
        Message = "Training {Heads} for epochs {FirstEpoch} to {Epochs}, seed {Seed}")]
    public static partial void TrainingStarted(ILogger logger, string heads, int firstEpoch, int epochs, long seed);

    [LoggerMessage(EventId = 2, EventName = "ValidationClassMissing", Level = LogLevel.Warning,
        Message = "Head '{Head}': the validation data has no rows of class {MissingClasses} (of {ClassCount}); its validation loss and early stopping do not see how the head does on that class")]
    public static partial void ValidationClassMissing(ILogger logger, string head, string missingClasses, int classCount);

    [LoggerMessage(EventId = 3, EventName = "ValidationHeadUnlabelled", Level = LogLevel.Warning,
        Message = "Head '{Head}': the validation data has no labelled rows; its validation loss is reported as 0")]
    public static partial void ValidationHeadUnlabelled(ILogger logger, string head);

    [LoggerMessage(EventId = 4, EventName = "TrainingClassMissing", Level = LogLevel.Warning,
        Message = "Head '{Head}': the training data has no rows of class {MissingClasses} (of {ClassCount}); the head cannot learn to predict it")]
    public static partial void TrainingClassMissing(ILogger logger, string head, string missingClasses, int classCount);

    [LoggerMessage(EventId = 5, EventName = "EpochCompleted", Level = LogLevel.Information,
        Message = "Epoch {Epoch}/{Epochs}: train loss {TrainLoss:F4}, validation loss {ValidationLoss:F4}, learning rate {LearningRate:G4}, {DurationSeconds:F2} s")]
    public static partial void EpochCompleted(ILogger logger, int epoch, int epochs, double trainLoss, double validationLoss, double learningRate, double durationSeconds);

    [LoggerMessage(EventId = 6, EventName = "EpochCompletedWithoutValidation", Level = LogLevel.Information,
        Message = "Epoch {Epoch}/{Epochs}: train loss {TrainLoss:F4}, learning rate {LearningRate:G4}, {DurationSeconds:F2} s")]
    public static partial void EpochCompletedWithoutValidation(ILogger logger, int epoch, int epochs, double trainLoss, double learningRate, double durationSeconds);

    [LoggerMessage(EventId = 7, EventName = "HeadEpochLoss", Level = LogLevel.Debug,
        Message = "Epoch {Epoch}, head '{Head}': train loss {TrainLoss:F4}, validation loss {ValidationLoss:F4}")]
    public static partial void HeadEpochLoss(ILogger logger, int epoch, string head, double trainLoss, double? validationLoss);

    [LoggerMessage(EventId = 8, EventName = "ValidationImproved", Level = LogLevel.Debug,
        Message = "Early stopping: epoch {Epoch} is the best so far (validation {Monitor} {Monitored:F6})")]
    public static partial void ValidationImproved(ILogger logger, int epoch, string monitor, double monitored);

    [LoggerMessage(EventId = 9, EventName = "ValidationNotImproved", Level = LogLevel.Information,
        Message = "Early stopping: no improvement greater than {MinDelta} for {EpochsWithoutImprovement} of {Patience} epochs (best validation {Monitor} {Best:F6} at epoch {BestEpoch})")]
    public static partial void ValidationNotImproved(ILogger logger, int epochsWithoutImprovement, int patience, double minDelta, string monitor, double best, int bestEpoch);

    [LoggerMessage(EventId = 10, EventName = "EarlyStopped", Level = LogLevel.Information,
        Message = "Early stopping after epoch {Epoch}: patience of {Patience} epochs ran out; the best epoch is {BestEpoch} (validation {Monitor} {Best:F6})")]
    public static partial void EarlyStopped(ILogger logger, int epoch, int patience, int bestEpoch, string monitor, double best);

    [LoggerMessage(EventId = 11, EventName = "BestWeightsRestored", Level = LogLevel.Information,
        Message = "Restored the weights of epoch {BestEpoch}, the best by validation {Monitor}")]
    public static partial void BestWeightsRestored(ILogger logger, int bestEpoch, string monitor);

    [LoggerMessage(EventId = 12, EventName = "CheckpointSaved", Level = LogLevel.Information,
        Message = "Saved a checkpoint after epoch {Epoch} to {Store}")]
    public static partial void CheckpointSaved(ILogger logger, int epoch, string store);

    [LoggerMessage(EventId = 13, EventName = "TrainingFinished", Level = LogLevel.Information,
        Message = "Training finished: {CompletedEpochs} epochs in {ElapsedSeconds:F1} s")]
    public static partial void TrainingFinished(ILogger logger, int completedEpochs, double elapsedSeconds);
}
