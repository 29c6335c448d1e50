// Quickstart: rate synthetic "videos" on four categories (1–5 stars, skewed toward 5 stars, a few ratings
// missing), train one shared backbone with four class-weighted heads, then evaluate the raw logits, the
// prior-corrected logits and the prior-corrected + temperature-scaled logits.
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Data;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Persistence;
using MultiHeadClassifier.Training;

// 1. Data: 4 heads × 5 classes with counts in the ratio 100:200:400:800:1600, 3% of ratings missing.
var all = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 31_000, Features = 16, Noise = 0.6, MissingRate = 0.03, Seed = 42 });
var train = all.Slice(0, 18_600);
var valid = all.Slice(18_600, 6_200);   // early stopping and temperature fitting
var test = all.Slice(24_800, 6_200);    // final figures only

// 2. Model: a shared MLP backbone feeding one linear head per category, each with balanced class weights.
string[] categories = ["plot", "dialog", "acting", "makeup"];
string[] stars = ["1★", "2★", "3★", "4★", "5★"];
var heads = categories.Select(name => new HeadDefinition(name, 5, stars, ClassWeighting.Balanced())).ToArray();
using var model = MultiHeadModel.Create(all.FeatureCount, heads, new MultiHeadModelOptions
{
    Backbone = new MlpBackboneOptions { HiddenSizes = [64, 32], Dropout = 0.1 },
    Seed = 1,
});

// 3. Train: Adam, cosine learning-rate decay, early stopping on the validation loss, one line per epoch.
var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions
{
    Epochs = 25,
    BatchSize = 128,
    LearningRate = 3e-3,
    LearningRateSchedule = LearningRateSchedule.Cosine(),
    EarlyStoppingPatience = 4,
    Seed = 1,
    Callbacks = [new ConsoleProgress()],
});
var history = trainer.Fit(model, train, valid);
Console.WriteLine($"Best epoch {history.BestEpoch}; class weights of 'plot': [{string.Join(", ", model.ClassWeights!["plot"].Select(w => w.ToString("F3")))}]");

// 4. Evaluate three ways. Raw logits over-predict the up-weighted low ratings; subtracting ln w fixes the
//    bias; a per-head temperature fitted on validation data fixes the remaining over/under-confidence.
Console.WriteLine("\nRaw logits (as trained with class weights):");
Console.WriteLine(ModelEvaluator.Evaluate(model, test, LogitCorrection.None).ToTable());
Console.WriteLine("After prior correction (z − ln w):");
Console.WriteLine(ModelEvaluator.Evaluate(model, test, LogitCorrection.Prior).ToTable());
var temperatures = ModelCorrections.FitTemperatures(model, valid); // a value: attach it to use and save it
model.Temperatures = temperatures;
Console.WriteLine($"After prior + temperature correction (T = {string.Join(", ", temperatures.PerHead.Select(t => $"{t.Key} {t.Value:F2}"))}):");
Console.WriteLine(ModelEvaluator.Evaluate(model, test, LogitCorrection.PriorAndTemperature).ToTable());

// 5. Save, reload in a fresh object, and show corrected predictions for a few rows.
string path = Path.Combine(Path.GetTempPath(), "quickstart-model.mhc");
model.Save(path);
using var reloaded = MultiHeadModel.Load(path);
var firstRows = test.Slice(0, 3);
var probabilities = ModelCorrections.Probabilities(ModelCorrections.Apply(reloaded, reloaded.Predict(firstRows), LogitCorrection.PriorAndTemperature));
Console.WriteLine($"Saved to {path} and reloaded. Corrected predictions for 3 test rows (most likely rating, probability):");
for (int row = 0; row < 3; row++)
{
    var cells = categories.Select(c =>
    {
        var p = probabilities[c];
        int best = Enumerable.Range(0, 5).MaxBy(k => p[row, k]);
        return $"{c} {stars[best]} ({p[row, best]:P0})";
    });
    Console.WriteLine($"  row {row}: {string.Join("  ", cells)}");
}

/// <summary>Prints one line per epoch.</summary>
internal sealed class ConsoleProgress : TrainingCallback
{
    public override void OnEpochEnd(EpochEndArgs args) =>
        Console.WriteLine($"epoch {args.Summary.Epoch,2}/{args.Epochs}  train loss {args.Summary.TrainLoss:F4}  valid loss {args.Summary.ValidationLoss:F4}  ({args.Summary.Duration.TotalSeconds:F1}s)");
}
