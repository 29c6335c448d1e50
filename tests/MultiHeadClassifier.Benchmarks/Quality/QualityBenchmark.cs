using System.Diagnostics;
using System.Globalization;
using MultiHeadClassifier.Corrections;
using MultiHeadClassifier.Decisions;
using MultiHeadClassifier.Ensembles;
using MultiHeadClassifier.Evaluation;
using MultiHeadClassifier.Modeling;
using MultiHeadClassifier.Training;

namespace MultiHeadClassifier.Benchmarks.Quality;

/// <summary>
/// Trains every <see cref="QualityRecipe"/> on a real data set for seeds 0..n−1 and prints, per recipe and readout,
/// the range over seeds of balanced accuracy, macro-F1, QWK, MAE, NLL and ECE on the test file (means over heads).
/// Temperatures and threshold cut points are fitted on the validation file, which early stopping also uses.
/// </summary>
internal static class QualityBenchmark
{
    private const int FloorDraws = 20;

    private static readonly string[] Metrics = ["bal_acc", "macro_f1", "qwk", "mae", "nll", "ece"];
    private static readonly int EceIndex = Array.IndexOf(Metrics, "ece");

    public static int Run(DirectoryInfo folder, string[] heads, int seeds, int? threads, string[] only)
    {
        var unknown = only.Where(name => QualityRecipe.All.All(r => !string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"Unknown recipe {string.Join(", ", unknown.Select(n => $"'{n}'"))}; the recipes are: {string.Join("; ", QualityRecipe.All.Select(r => r.Name))}.");
            return 2;
        }

        var recipes = QualityRecipe.All.Where((r, i) => i == 0 || only.Length == 0 || only.Contains(r.Name, StringComparer.OrdinalIgnoreCase)).ToList();

        // One thread by default: this small model gains nothing from two, and on a busy machine spinning threads cost 9x.
        TorchSharp.torch.set_num_threads(threads ?? 1);

        var data = QualityData.Load(folder, heads);
        Console.WriteLine($"Quality on {folder.FullName}: train {data.Train.RowCount}, valid {data.Valid.RowCount}, test {data.Test.RowCount} rows; {data.Train.FeatureCount} features; heads {string.Join(", ", heads.Select((h, i) => $"{h} (K={data.ClassCounts[i]})"))}; seeds 0-{seeds - 1}; libtorch threads {TorchSharp.torch.get_num_threads()}");
        var results = new List<(string Recipe, string Readout, double[] Values)>();
        var floors = new List<(string Recipe, double Ece, double Floor)>();
        var total = Stopwatch.StartNew();
        foreach (var recipe in recipes)
        {
            var clock = Stopwatch.StartNew();
            for (long seed = 0; seed < seeds; seed++)
            {
                var (readouts, floor) = RunOnce(recipe, data, seed);
                foreach (var (readout, values) in readouts)
                {
                    results.Add((recipe.Name, readout, values));
                }

                // Every corrected readout has the same probabilities, hence the same ECE; the last one is corrected.
                floors.Add((recipe.Name, readouts[^1].Values[EceIndex], floor));
            }

            Console.WriteLine($"  {recipe.Name}: {clock.Elapsed.TotalSeconds:F1} s for {seeds} seeds");
        }

        Console.WriteLine($"  all recipes: {total.Elapsed.TotalSeconds:F0} s");
        Print(results);
        Goals(results, recipes);
        PrintEceFloors(floors);
        return 0;
    }

    /// <summary>
    /// One seed of one recipe: train, fit temperatures and cut points on validation, evaluate every readout on test;
    /// and the ECE floor of the corrected probabilities on test (see <see cref="EceFloor"/>).
    /// </summary>
    private static (List<(string Readout, double[] Values)> Readouts, double EceFloor) RunOnce(QualityRecipe recipe, QualityData data, long seed)
    {
        using var ensemble = Train(recipe, data, seed);
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
        var results = new List<(string Readout, double[] Values)>();
        foreach (var (name, correction, rule) in readouts)
        {
            var m = ModelEvaluator.Evaluate(ensemble, data.Test, correction, rule).Mean;
            results.Add((name, [m.BalancedAccuracy ?? double.NaN, m.MacroF1 ?? double.NaN, m.Qwk ?? double.NaN, m.Mae ?? double.NaN, m.Nll ?? double.NaN, m.Ece ?? double.NaN]));
        }

        return (results, EceFloor(ensemble.Probabilities(data.Test, LogitCorrection.PriorAndTemperature), data.Test, seed));
    }

    /// <summary>
    /// The ECE a perfectly calibrated model with these probabilities would show on these rows: each labelled row's
    /// label is redrawn from its own predicted distribution, the ECE (mean over heads, as the table's) is computed,
    /// and the mean over <see cref="FloorDraws"/> draws is returned. A measured ECE inside the floor's range cannot be
    /// told apart from perfect calibration on this many rows.
    /// </summary>
    private static double EceFloor(IReadOnlyDictionary<string, double[,]> probabilities, MultiHeadClassifier.Data.MultiHeadDataset test, long seed)
    {
        var random = new Random((int)seed + 12345);
        double sum = 0;
        for (int draw = 0; draw < FloorDraws; draw++)
        {
            double heads = 0;
            int counted = 0;
            foreach (var (head, p) in probabilities)
            {
                int[] labels = test.HeadLabels(head);
                int[] drawn = new int[labels.Length];
                for (int r = 0; r < labels.Length; r++)
                {
                    drawn[r] = labels[r] < 0 ? -1 : Sample(p, r, random.NextDouble());
                }

                if (CalibrationError.ExpectedCalibrationError(drawn, p) is { } ece)
                {
                    heads += ece;
                    counted++;
                }
            }

            sum += heads / counted;
        }

        return sum / FloorDraws;
    }

    private static int Sample(double[,] p, int row, double u)
    {
        int last = p.GetLength(1) - 1;
        for (int c = 0; c < last; c++)
        {
            u -= p[row, c];
            if (u < 0)
            {
                return c;
            }
        }

        return last;
    }

    private static void PrintEceFloors(List<(string Recipe, double Ece, double Floor)> floors)
    {
        Console.WriteLine();
        Console.WriteLine($"ECE of the corrected probabilities against the ECE a perfectly calibrated model with the same probabilities shows on the same test rows (labels redrawn from the probabilities, mean of {FloorDraws} draws), ranges over seeds:");
        foreach (var group in floors.GroupBy(f => f.Recipe))
        {
            Console.WriteLine($"  {group.Key}: ece {Range(group.Select(f => f.Ece))}, floor {Range(group.Select(f => f.Floor))}, ece − floor {Range(group.Select(f => f.Ece - f.Floor))}");
        }
    }

    /// <summary>
    /// The recipe's members for one seed, member i with model and trainer seed 100·seed + i, as
    /// <see cref="MultiHeadEnsemble.Train"/> seeds them; weighted members first, then unweighted ones; each member's
    /// weights replaced by the mean of its best epochs when the recipe says so.
    /// </summary>
    private static MultiHeadEnsemble Train(QualityRecipe recipe, QualityData data, long seed)
    {
        var modelOptions = new MultiHeadModelOptions { Backbone = new() { HiddenSizes = [128, 64], Dropout = 0.1 } };
        var members = new List<MultiHeadModel>();
        try
        {
            for (int i = 0; i < recipe.MemberCount; i++)
            {
                long memberSeed = (seed * 100) + i;
                var model = MultiHeadModel.Create(data.Train.FeatureCount, recipe.Heads(data, i), modelOptions with { Seed = memberSeed });
                members.Add(model);
                var options = recipe.TrainerOptions(memberSeed);
                var average = recipe.AverageBest > 0 ? new BestEpochsAverage(model, recipe.AverageBest, options.Monitor.HigherIsBetter) : null;
                new MultiHeadTrainer(average is null ? options : options with { Callbacks = [average] }).Fit(model, data.Train, data.Valid);
                average?.Apply();
            }

            return new MultiHeadEnsemble(members);
        }
        catch
        {
            members.ForEach(m => m.Dispose());
            throw;
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
    /// plain way: raw argmax, corrected median, corrected probabilities. A metric is marked <c>+</c> (clearly
    /// better) or <c>-</c> (clearly worse) only when its range over seeds and the reference's do not overlap, and
    /// <c>=</c> (a tie) when they do; with 5 seeds each, disjoint ranges are what a one-sided Mann–Whitney test
    /// needs for p &lt; 0.01 (1 order in 252).
    /// </summary>
    private static void Goals(List<(string Recipe, string Readout, double[] Values)> results, List<QualityRecipe> recipes)
    {
        double[] Values(string recipe, string readout, int metric) =>
            [.. results.Where(r => r.Recipe == recipe && r.Readout == readout).Select(r => r.Values[metric])];

        string[][] sources = [["raw, argmax", "corrected, balanced"], ["raw, argmax", "corrected, balanced"], ["corrected, median", "corrected, thresholds"], ["corrected, median", "corrected, thresholds"], ["corrected, median"], ["corrected, median"]];
        string[] plain = ["raw, argmax", "raw, argmax", "corrected, median", "corrected, median", "corrected, median", "corrected, median"];
        bool[] higherIsBetter = [true, true, true, false, false, false];
        string reference = QualityRecipe.All[0].Name;
        double[][] baseline = [.. Enumerable.Range(0, Metrics.Length).Select(j => Values(reference, plain[j], j))];
        double baselineWidth = baseline[0].Max() - baseline[0].Min();
        Console.WriteLine();
        Console.WriteLine($"Goals against '{reference}' read plainly (medians over seeds: {string.Join(", ", Metrics.Select((m, j) => $"{m} {F4(Stats.Median(baseline[j]))}"))}; raw-argmax balanced-accuracy range {F(baselineWidth)} wide); + clearly better, - clearly worse (ranges over seeds apart), = tie (ranges overlap):");
        foreach (var recipe in recipes.Select(r => r.Name))
        {
            var picks = Enumerable.Range(0, Metrics.Length).Select(j =>
            {
                var best = sources[j].Select(readout => (Readout: readout, Values: Values(recipe, readout, j))).OrderBy(x => higherIsBetter[j] ? -Stats.Median(x.Values) : Stats.Median(x.Values)).First();
                double sign = higherIsBetter[j] ? 1 : -1;
                double[] ours = [.. best.Values.Select(v => sign * v)];
                double[] theirs = [.. baseline[j].Select(v => sign * v)];
                char mark = ours.Min() > theirs.Max() ? '+' : ours.Max() < theirs.Min() ? '-' : '=';
                return (best.Readout, Value: Stats.Median(best.Values), Mark: mark, Width: best.Values.Max() - best.Values.Min());
            }).ToList();
            double width = picks[0].Width;
            Console.WriteLine($"  {recipe}: {string.Join(", ", picks.Select((p, j) => $"{Metrics[j]} {F4(p.Value)}{p.Mark} ({p.Readout})"))}; all six clearly better: {(picks.All(p => p.Mark == '+') ? "yes" : "no")}; balanced-accuracy range {F(width)} wide{(width <= baselineWidth / 2 ? " (at most half the reference's)" : string.Empty)}");
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
