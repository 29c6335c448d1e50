using MultiHeadClassifier.Data;
using MultiHeadClassifier.Heads;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;

var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Rows = 12400, Seed = 7 });
var train = data.Slice(0, 9300);
var valid = data.Slice(9300, 3100);
string[] names = ["plot", "dialog", "acting", "makeup"];
var heads = names.Select(n => new HeadDefinition(n, 5, weighting: ClassWeighting.Balanced())).ToArray();
using var model = MultiHeadModel.Create(data.FeatureCount, heads, new MultiHeadModelOptions { Seed = 1 });
var trainer = new MultiHeadTrainer(new MultiHeadTrainerOptions { Epochs = 10, BatchSize = 128, Seed = 1, LearningRate = 3e-3 });
var sw = System.Diagnostics.Stopwatch.StartNew();
var history = trainer.Fit(model, train, valid);
foreach (var e in history.Epochs) Console.WriteLine($"{e.Epoch} {e.TrainLoss:F4} {e.ValidationLoss:F4} {e.Duration.TotalMilliseconds:F0}ms");
Console.WriteLine(sw.Elapsed);
var pred = model.Predict(valid.Features.ToArray().Chunk(valid.FeatureCount).ToArray());
for (int h = 0; h < 4; h++) {
  var y = valid.HeadLabels(h); var z = pred[names[h]]; int ok = 0, n = 0;
  for (int r = 0; r < y.Length; r++) { if (y[r] < 0) continue; n++; int best = 0; for (int c = 1; c < 5; c++) if (z[r, c] > z[r, best]) best = c; if (best == y[r]) ok++; }
  Console.WriteLine($"{names[h]} acc {(double)ok / n:F3}");
}
