using FluentAssertions;
using Microsoft.Extensions.Logging;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;
using Xunit;

namespace MultiHeadClassifier.Tests.Training;

/// <summary>
/// <see cref="MultiHeadTrainerOptions.Logger"/>: structured epoch summaries, early-stopping decisions, checkpoint
/// writes and warnings, never per batch; and the temperature fit's warnings through the same kind of logger.
/// </summary>
public sealed class TrainingLogTests
{
    private readonly MultiHeadDataset _train = TestData.Ratings(240, seed: 3);
    private readonly MultiHeadDataset _valid = TestData.Ratings(80, seed: 4);

    [Fact]
    public void When_training_it_should_log_one_structured_summary_per_epoch_and_nothing_per_batch()
    {
        // Arrange: 240 rows in batches of 16 → 15 batches per epoch, 3 epochs = 45 batches.
        var log = new RecordingLogger();
        using var model = NewModel();

        // Act
        TrainingHistory history = Trainer(log, epochs: 3).Fit(model, _train, _valid);

        // Assert
        log.Names(LogLevel.Information).Should().Equal("TrainingStarted", "EpochCompleted", "EpochCompleted", "EpochCompleted", "TrainingFinished");
        log.Entries.Should().HaveCount(5 + (3 * TestData.HeadNames.Length), "besides those, one Debug line per head and epoch, none per batch");
        var epochs = log.Entries.Where(e => e.Name == "EpochCompleted").ToList();
        epochs.Select(e => e.Values["Epoch"]).Should().Equal(1, 2, 3);
        for (int i = 0; i < 3; i++)
        {
            epochs[i].Values["Epochs"].Should().Be(3);
            epochs[i].Values["TrainLoss"].Should().Be(history.Epochs[i].TrainLoss);
            epochs[i].Values["ValidationLoss"].Should().Be(history.Epochs[i].ValidationLoss);
            epochs[i].Values["LearningRate"].Should().Be(history.Epochs[i].LearningRate);
        }

        var heads = log.Entries.Where(e => e.Name == "HeadEpochLoss" && (int)e.Values["Epoch"]! == 2).ToList();
        heads.Select(e => e.Values["Head"]).Should().Equal(TestData.HeadNames);
        heads[2].Values["TrainLoss"].Should().Be(history.Epochs[1].TrainHeadLosses["acting"]);
        heads[2].Values["ValidationLoss"].Should().Be(history.Epochs[1].ValidationHeadLosses!["acting"]);
        log.Entries[0].Message.Should().Be("Training plot (K=5), dialog (K=5), acting (K=5), makeup (K=5) for epochs 1 to 3, seed 9");
    }

    [Fact]
    public void When_the_validation_data_lacks_a_class_it_should_warn_naming_the_head_and_the_class()
    {
        // Arrange: remove class 4 of "acting" (column 2) and every label of "makeup" (column 3) from the validation data.
        var labels = new int[_valid.RowCount, _valid.HeadCount];
        for (int r = 0; r < _valid.RowCount; r++)
        {
            for (int h = 0; h < _valid.HeadCount; h++)
            {
                int y = _valid.Label(r, h);
                labels[r, h] = (h == 2 && y == 4) || h == 3 ? -1 : y;
            }
        }

        var valid = new MultiHeadDataset(TestData.Rows(_valid), labels, TestData.HeadNames);
        var log = new RecordingLogger();
        using var model = NewModel();

        // Act
        Trainer(log, epochs: 1).Fit(model, _train, valid);

        // Assert
        var warnings = log.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        warnings.Select(w => w.Name).Should().Equal("ValidationClassMissing", "ValidationHeadUnlabelled");
        warnings[0].Values["Head"].Should().Be("acting");
        warnings[0].Values["MissingClasses"].Should().Be("4");
        warnings[0].Message.Should().StartWith("Head 'acting': the validation data has no rows of class 4 (of 5)");
        warnings[1].Values["Head"].Should().Be("makeup");
    }

    [Fact]
    public void When_early_stopping_it_should_log_each_decision_the_stop_and_the_restored_weights()
    {
        // Arrange: a minimum improvement no loss can make, so epoch 1 is the best and epoch 2 ends the run.
        var log = new RecordingLogger();
        using var model = NewModel();
        var trainer = new MultiHeadTrainer(Options(log, epochs: 5) with { EarlyStoppingPatience = 1, EarlyStoppingMinDelta = 1e9 });

        // Act
        TrainingHistory history = trainer.Fit(model, _train, _valid);

        // Assert
        history.Epochs.Should().HaveCount(2);
        log.Entries.Where(e => e.Name != "HeadEpochLoss").Select(e => e.Name).Should().Equal(
            "TrainingStarted", "EpochCompleted", "ValidationImproved", "EpochCompleted", "ValidationNotImproved",
            "EarlyStopped", "BestWeightsRestored", "TrainingFinished");
        var stopped = log.Entries.Single(e => e.Name == "EarlyStopped");
        stopped.Values["Epoch"].Should().Be(2);
        stopped.Values["BestEpoch"].Should().Be(1);
        stopped.Values["Best"].Should().Be(history.Epochs[0].ValidationLoss);
        stopped.Values["Monitor"].Should().Be("loss");
        log.Entries.Single(e => e.Name == "BestWeightsRestored").Values["BestEpoch"].Should().Be(1);
    }

    [Fact]
    public void When_checkpoints_are_written_it_should_log_each_write_with_its_epoch_and_store()
    {
        // Arrange
        var log = new RecordingLogger();
        var store = new CountingStore();
        using var model = NewModel();
        var trainer = new MultiHeadTrainer(Options(log, epochs: 4) with { Checkpoint = new CheckpointOptions(store) { EveryEpochs = 2 } });

        // Act
        trainer.Fit(model, _train);

        // Assert
        var saved = log.Entries.Where(e => e.Name == "CheckpointSaved").ToList();
        saved.Select(e => e.Values["Epoch"]).Should().Equal(2, 4);
        saved.Should().OnlyContain(e => (string)e.Values["Store"]! == "memory store");
        store.Saves.Should().Be(2);
        log.Names(LogLevel.Information).Should().Contain("EpochCompletedWithoutValidation").And.NotContain("EpochCompleted");
    }

    [Fact]
    public void When_a_temperature_fit_reaches_a_bound_it_should_warn_naming_the_head()
    {
        // Arrange: label every held-out row with the model's own argmax, so that sharpening always lowers the NLL
        // and the fit runs into the smallest temperature; and leave "makeup" without labels.
        using var model = NewModel();
        float[][] rows = TestData.Rows(_valid);
        var logits = model.Predict(_valid);
        var labels = new int[rows.Length, 4];
        for (int r = 0; r < rows.Length; r++)
        {
            for (int h = 0; h < 3; h++)
            {
                labels[r, h] = TestData.Argmax(logits[TestData.HeadNames[h]], r);
            }

            labels[r, 3] = -1;
        }

        var heldOut = new MultiHeadDataset(rows, labels, TestData.HeadNames);
        var log = new RecordingLogger();

        // Act
        FittedTemperatures temperatures = ModelCorrections.FitTemperatures(model, heldOut, afterPriorCorrection: false, log);

        // Assert
        var atBound = log.Entries.Where(e => e.Name == "TemperatureAtBound").ToList();
        atBound.Select(e => e.Values["Head"]).Should().Equal("plot", "dialog", "acting");
        atBound.Should().OnlyContain(e => (double)e.Values["Bound"]! == TemperatureCorrection.MinimumTemperature);
        temperatures["plot"].Should().BeApproximately(TemperatureCorrection.MinimumTemperature, 1e-6);
        log.Entries.Single(e => e.Name == "TemperatureWithoutLabels").Values["Head"].Should().Be("makeup");
        temperatures["makeup"].Should().Be(1);
    }

    private static MultiHeadModel NewModel() =>
        MultiHeadModel.Create(8, TestData.Heads(), new MultiHeadModelOptions { Seed = 9, Backbone = new MlpBackboneOptions { HiddenSizes = [16] } });

    private static MultiHeadTrainerOptions Options(ILogger logger, int epochs) =>
        new() { Epochs = epochs, BatchSize = 16, LearningRate = 5e-3, Logger = logger };

    private static MultiHeadTrainer Trainer(ILogger logger, int epochs) => new(Options(logger, epochs));

    /// <summary>Keeps every entry with its level, event name, structured values and formatted message.</summary>
    private sealed class RecordingLogger : ILogger
    {
        public List<Entry> Entries { get; } = [];

        public IEnumerable<string> Names(LogLevel level) => Entries.Where(e => e.Level == level).Select(e => e.Name);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value)
                : [];
            Entries.Add(new Entry(logLevel, eventId.Name ?? string.Empty, values, formatter(state, exception)));
        }
    }

    private sealed record Entry(LogLevel Level, string Name, Dictionary<string, object?> Values, string Message);

    private sealed class CountingStore : ICheckpointStore
    {
        public int Saves { get; private set; }

        public void EnsureWritable()
        {
        }

        public void Save(TrainingCheckpoint checkpoint) => Saves++;

        public override string ToString() => "memory store";
    }
}
