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
    /// The issue's goals, per recipe as one artefact: balanced accuracy from the better of raw argmax and corrected
    /// balanced; QWK and MAE from the better of corrected median and thresholds; NLL and ECE after correction —
    /// each compared (median over seeds) with the weighted CE model's raw argmax, corrected median and correction.
    /// </summary>
    private static void Goals(List<(string Recipe, string Readout, double[] Values)> results)
    {
        double Median(string recipe, string readout, int metric) =>
            Stats.Median([.. results.Where(r => r.Recipe == recipe && r.Readout == readout).Select(r => r.Values[metric])]);
        double Width(string recipe, string readout) =>
            results.Where(r => r.Recipe == recipe && r.Readout == readout).Select(r => r.Values[0]).DefaultIfEmpty().Max()
            - results.Where(r => r.Recipe == recipe && r.Readout == readout).Select(r => r.Values[0]).DefaultIfEmpty().Min();
        string reference = QualityRecipe.All[0].Name;
        double[] baseline = [Median(reference, "raw, argmax", 0), Median(reference, "raw, argmax", 1), Median(reference, "corrected, median", 2), Median(reference, "corrected, median", 3), Median(reference, "corrected, median", 4), Median(reference, "corrected, median", 5)];
        Console.WriteLine();
        Console.WriteLine($"Goals against '{reference}' (medians over seeds; baseline {string.Join(", ", baseline.Select(F))}; its raw-argmax balanced-accuracy range is {F(Width(reference, "raw, argmax"))} wide):");
        foreach (var recipe in QualityRecipe.All.Select(r => r.Name))
        {
            string balancedReadout = Median(recipe, "corrected, balanced", 0) >= Median(recipe, "raw, argmax", 0) ? "corrected, balanced" : "raw, argmax";
            string ordinalReadout = Median(recipe, "corrected, thresholds", 2) >= Median(recipe, "corrected, median", 2) ? "corrected, thresholds" : "corrected, median";
            double[] mine = [Median(recipe, balancedReadout, 0), Median(recipe, balancedReadout, 1), Median(recipe, ordinalReadout, 2), Median(recipe, ordinalReadout, 3), Median(recipe, "corrected, median", 4), Median(recipe, "corrected, median", 5)];
            bool[] better = [mine[0] > baseline[0], mine[1] > baseline[1], mine[2] > baseline[2], mine[3] < baseline[3], mine[4] < baseline[4], mine[5] < baseline[5]];
            Console.WriteLine($"  {recipe}: {string.Join(", ", Metrics.Select((m, j) => $"{m} {F(mine[j])}{(better[j] ? "+" : "-")}"))}; all six better: {(better.All(b => b) ? "yes" : "no")}; balanced-accuracy range width {F(Width(recipe, balancedReadout))} ({balancedReadout}; {ordinalReadout})");
        }
    }

    private static string Range(IEnumerable<double> values)
    {
        var list = values.ToList();
        return $"{F(list.Min())}–{F(list.Max())}";
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
