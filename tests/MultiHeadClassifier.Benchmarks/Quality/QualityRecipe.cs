using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Benchmarks.Quality;

/// <summary>One way to train on a quality data set: the head loss, the class weighting, what early stopping watches, and how many seed members.</summary>
internal sealed record QualityRecipe(string Name, HeadLoss Loss, bool Weighted, ValidationMonitor Monitor, int Members = 1)
{
    /// <summary>The recipes compared: the README's weighted CE recipe first, the reference every other is judged against.</summary>
    public static IReadOnlyList<QualityRecipe> All { get; } =
    [
        new("CE weighted", HeadLoss.CrossEntropy, true, ValidationMonitor.Loss),
        new("CE unweighted", HeadLoss.CrossEntropy, false, ValidationMonitor.Loss),
        new("CE weighted, monitor nll", HeadLoss.CrossEntropy, true, ValidationMonitors.CorrectedNll),
        new("CORN weighted", HeadLoss.Corn, true, ValidationMonitor.Loss),
        new("CORN unweighted", HeadLoss.Corn, false, ValidationMonitor.Loss),
        new("CORAL weighted", HeadLoss.Coral, true, ValidationMonitor.Loss),
        new("CORAL unweighted", HeadLoss.Coral, false, ValidationMonitor.Loss),
        new("CE weighted, ensemble of 5, monitor nll", HeadLoss.CrossEntropy, true, ValidationMonitors.CorrectedNll, Members: 5),
        new("CORN weighted, ensemble of 5, monitor nll", HeadLoss.Corn, true, ValidationMonitors.CorrectedNll, Members: 5),
        new("CE weighted, ensemble of 5", HeadLoss.CrossEntropy, true, ValidationMonitor.Loss, Members: 5),
        new("CE weighted, ensemble of 10, monitor nll", HeadLoss.CrossEntropy, true, ValidationMonitors.CorrectedNll, Members: 10),
    ];

    /// <summary>The head definitions of this recipe for a data set.</summary>
    public HeadDefinition[] Heads(QualityData data) =>
        [.. data.Heads.Select((h, i) => new HeadDefinition(h, data.ClassCounts[i], weighting: Weighted ? ClassWeighting.Balanced(smoothing: 1) : ClassWeighting.None, loss: Loss))];

    /// <summary>The README's training recipe: Adam 1e-3, batch 128, early stopping 10 on the monitor, at most 100 epochs.</summary>
    public MultiHeadTrainerOptions TrainerOptions(long seed) => new()
    {
        Epochs = 100,
        BatchSize = 128,
        LearningRate = 1e-3,
        EarlyStoppingPatience = 10,
        Monitor = Monitor,
        Seed = seed,
    };
}
