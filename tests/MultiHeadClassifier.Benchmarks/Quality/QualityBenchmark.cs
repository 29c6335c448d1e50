using System.Diagnostics;
using System.Globalization;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Modeling;

namespace MultiHeadClassifier.Benchmarks.Quality;

/// <summary>
/// Trains every <see cref="QualityRecipe"/> on a real data set for seeds 0..n−1 and prints, per recipe and readout,
/// the range over seeds of balanced accuracy, macro-F1, QWK, MAE, NLL and ECE on the test file (means over heads).
/// Temperatures and threshold cut points are fitted on the validation file, which early stopping also uses.
/// </summary>
internal static class QualityBenchmark
{
    private static readonly string[] Metrics = ["bal_acc", "macro_f1", "qwk", "mae", "nll", "ece"];

    public static int Run(DirectoryInfo folder, string[] heads, int seeds)
    {
        var data = QualityData.Load(folder, heads);
        Console.WriteLine($"Quality on {folder.FullName}: train {data.Train.RowCount}, valid {data.Valid.RowCount}, test {data.Test.RowCount} rows; {data.Train.FeatureCount} features; heads {string.Join(", ", heads.Select((h, i) => $"{h} (K={data.ClassCounts[i]})"))}; seeds 0-{seeds - 1}");
        var results = new List<(string Recipe, string Readout, double[] Values)>();
        foreach (var recipe in QualityRecipe.All)
        {
            var clock = Stopwatch.StartNew();
            for (long seed = 0; seed < seeds; seed++)
            {
                foreach (var (readout, values) in RunOnce(recipe, data, seed))
                {
                    results.Add((recipe.Name, readout, values));
                }
            }

            Console.WriteLine($"  {recipe.Name}: {clock.Elapsed.TotalSeconds:F1} s for {seeds} seeds");
        }

        Print(results);
        Goals(results);
        return 0;
    }

    /// <summary>One seed of one recipe: train, fit temperatures and cut points on validation, evaluate every readout on test.</summary>
    private static IEnumerable<(string Readout, double[] Values)> RunOnce(QualityRecipe recipe, QualityData data, long seed)
    {
        var modelOptions = new MultiHeadModelOptions { Backbone = new() { HiddenSizes = [128, 64], Dropout = 0.1 } };
        using var ensemble = MultiHeadEnsemble.Train(data.Train.FeatureCount, recipe.Heads(data), recipe.Members, seed * 100, modelOptions, recipe.TrainerOptions(seed * 100), data.Train, data.Valid);
        ensemble.Temperatures = ensemble.FitTemperatures(data.Valid);
        var thresholds = ThresholdFitting.Fit(ensemble, data.Valid, LogitCorrection.PriorAndTemperature);
        (string Name, LogitCorrection Correction, DecisionRule Rule)[] readouts =
        [
            ("raw, argmax", LogitCorrection.None, DecisionRule.Argmax),
            ("corrected, argmax", LogitCorrection.PriorAndTemperature, DecisionRule.Argmax),
            ("corrected, median", LogitCorrection.PriorAndTemperature, DecisionRule.Median),
            ("corrected, expected-value", LogitCorrection.PriorAndTemperature, DecisionRule.ExpectedValue),
            ("corrected, balanced", LogitCorrection.PriorAndTemperature, DecisionRule.BalancedArgmax),
            ("corrected, thresholds", LogitCorrection.PriorAndTemperature, thresholds),
        ];
        foreach (var (name, correction, rule) in readouts)
        {
            var m = ModelEvaluator.Evaluate(ensemble, data.Test, correction, rule).Mean;
            yield return (name, [m.BalancedAccuracy ?? double.NaN, m.MacroF1 ?? double.NaN, m.Qwk ?? double.NaN, m.Mae ?? double.NaN, m.Nll ?? double.NaN, m.Ece ?? double.NaN]);
        }
    }

    private static void Print(List<(string Recipe, string Readout, double[] Values)> results)
    {
        Console.WriteLine();
        Console.WriteLine($"| recipe | readout | {string.Join(" | ", Metrics)} |");
        Console.WriteLine($"|---|---|{string.Concat(Enumerable.Repeat("---|", Metrics.Length))}");
        foreach (var group in results.GroupBy(r => (r.Recipe, r.Readout)))
        {
            var cells = Enumerable.Range(0, Metrics.Length).Select(j => Range(group.Select(r => r.Values[j])));
            Console.WriteLine($"| {group.Key.Recipe} | {group.Key.Readout} | {string.Join(" | ", cells)} |");
        }
    }

    /// <summary>
    /// The goals, per recipe as one artefact, each metric from the readouts it may come from (median over seeds):
    /// balanced accuracy and macro-F1 from raw argmax or corrected balanced argmax; QWK and MAE from the corrected
    /// median or fitted thresholds; NLL and ECE after correction. The reference is the weighted CE model read the
    /// plain way: raw argmax, corrected median, corrected probabilities.
    /// </summary>
    private static void Goals(List<(string Recipe, string Readout, double[] Values)> results)
    {
        double Median(string recipe, string readout, int metric) =>
            Stats.Median([.. results.Where(r => r.Recipe == recipe && r.Readout == readout).Select(r => r.Values[metric])]);
        double Width(string recipe, string readout)
        {
            var values = results.Where(r => r.Recipe == recipe && r.Readout == readout).Select(r => r.Values[0]).ToList();
            return values.Max() - values.Min();
        }

        string[][] sources = [["raw, argmax", "corrected, balanced"], ["raw, argmax", "corrected, balanced"], ["corrected, median", "corrected, thresholds"], ["corrected, median", "corrected, thresholds"], ["corrected, median"], ["corrected, median"]];
        bool[] higherIsBetter = [true, true, true, false, false, false];
        string reference = QualityRecipe.All[0].Name;
        double[] baseline = [Median(reference, "raw, argmax", 0), Median(reference, "raw, argmax", 1), Median(reference, "corrected, median", 2), Median(reference, "corrected, median", 3), Median(reference, "corrected, median", 4), Median(reference, "corrected, median", 5)];
        double baselineWidth = Width(reference, "raw, argmax");
        Console.WriteLine();
        Console.WriteLine($"Goals against '{reference}' read plainly (medians over seeds: {string.Join(", ", Metrics.Select((m, j) => $"{m} {F4(baseline[j])}"))}; raw-argmax balanced-accuracy range {F(baselineWidth)} wide):");
        foreach (var recipe in QualityRecipe.All.Select(r => r.Name))
        {
            var picks = Enumerable.Range(0, Metrics.Length).Select(j =>
            {
                var best = sources[j].Select(readout => (Readout: readout, Value: Median(recipe, readout, j))).OrderBy(x => higherIsBetter[j] ? -x.Value : x.Value).First();
                return (best.Readout, best.Value, Better: higherIsBetter[j] ? best.Value > baseline[j] : best.Value < baseline[j]);
            }).ToList();
            double width = Width(recipe, picks[0].Readout);
            Console.WriteLine($"  {recipe}: {string.Join(", ", picks.Select((p, j) => $"{Metrics[j]} {F4(p.Value)}{(p.Better ? "+" : "-")} ({p.Readout})"))}; all six better: {(picks.All(p => p.Better) ? "yes" : "no")}; balanced-accuracy range {F(width)} wide{(width <= baselineWidth / 2 ? " (at most half the reference's)" : string.Empty)}");
        }
    }

    private static string Range(IEnumerable<double> values)
    {
        var list = values.ToList();
        return $"{F(list.Min())}–{F(list.Max())}";
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string F4(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
