using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Playwright;
using Xunit;

namespace MultiHeadClassifier.Tests.Cli;

/// <summary>
/// Opens reports written by <c>mhc evaluate --report</c> in headless Chromium (Debian's <c>/usr/bin/chromium</c>,
/// driven by Microsoft.Playwright) and checks what a person would see: every image decodes, the page logs no
/// error, every head has its section, and the page shows the JSON's metric values. Each test saves a full-page
/// screenshot under the test output's <c>screenshots/</c> folder for a reviewer.
/// </summary>
public sealed class HtmlReportBrowserTests(ReportWorkspace reports) : IClassFixture<ReportWorkspace>
{
    private static readonly string[] ScalarKeys =
        ["accuracy", "balanced_accuracy", "macro_f1", "qwk", "mae", "nll", "brier", "ece", "amae", "rmse", "classwise_ece", "adaptive_ece"];

    private static readonly HashSet<string> HigherIsBetter = ["accuracy", "balanced_accuracy", "macro_f1", "qwk"];

    [ChromiumFact]
    public async Task When_a_single_model_report_is_opened_in_chromium_it_should_render_every_image_and_the_json_values()
    {
        // Arrange
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(reports.SingleJson));
        string[] heads = [.. json.RootElement.GetProperty("heads").EnumerateObject().Select(h => h.Name)];

        // Act
        await using var browser = await Browser.OpenAsync(reports.SingleHtml, "single-model-report.png");

        // Assert
        browser.Errors.Should().BeEmpty("the page must load without console errors");
        browser.ImageWidths.Should().HaveCount(heads.Length * 6, "per head: confusion matrix, class distribution, reliability and per-class reliability before and after")
            .And.OnlyContain(w => w > 0, "every image must decode");
        (await browser.Page.Locator("section.head").CountAsync()).Should().Be(heads.Length);
        string text = await browser.Page.InnerTextAsync("body");
        foreach (string head in heads)
        {
            var section = browser.Page.Locator($"section.head[data-head=\"{head}\"]");
            (await section.Locator("h2").InnerTextAsync()).Should().StartWith($"Head {head} (K=5");
            int[] counts = [.. json.RootElement.GetProperty("heads").GetProperty(head).GetProperty("reliability").EnumerateArray().Select(b => b.GetProperty("count").GetInt32())];
            (await section.Locator("p.note").InnerTextAsync()).Should().Contain(
                $"After correction, {counts.Count(c => c is > 0 and < 10)} of {counts.Count(c => c > 0)} non-empty bins have fewer than 10 rows.");
            foreach (string key in ScalarKeys)
            {
                string expected = Format(json.RootElement.GetProperty("heads").GetProperty(head).GetProperty(key));
                (await section.Locator($"tr[data-metric=\"{key}\"] td[data-column=\"after\"]").InnerTextAsync()).Should().Be(expected, $"head {head}, {key}");
                text.Should().Contain(expected);
            }
        }

        foreach (string key in ScalarKeys)
        {
            string expected = Format(json.RootElement.GetProperty("mean").GetProperty(key));
            (await browser.Page.Locator($"#mean tr[data-metric=\"{key}\"] td[data-column=\"after\"]").InnerTextAsync()).Should().Be(expected, $"mean {key}");
        }

        new FileInfo(browser.ScreenshotPath).Length.Should().BeGreaterThan(10_000);
    }

    [ChromiumFact]
    public async Task When_a_comparison_report_is_opened_in_chromium_it_should_show_each_models_values_and_mark_the_best()
    {
        // Arrange
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(reports.ComparisonJson));
        JsonElement[] models = [.. json.RootElement.GetProperty("models").EnumerateArray()];
        string[] heads = [.. models[0].GetProperty("heads").EnumerateObject().Select(h => h.Name)];

        // Act
        await using var browser = await Browser.OpenAsync(reports.ComparisonHtml, "comparison-report.png");

        // Assert
        models.Should().HaveCount(2);
        browser.Errors.Should().BeEmpty();
        browser.ImageWidths.Should().HaveCount(heads.Length * models.Length * 6).And.OnlyContain(w => w > 0);
        foreach (string head in heads.Append("mean"))
        {
            var table = head == "mean"
                ? browser.Page.Locator("#mean table")
                : browser.Page.Locator($"section.head[data-head=\"{head}\"] table.comparison");
            foreach (string key in ScalarKeys)
            {
                string[] expected = [.. models.Select(m => Format(head == "mean" ? m.GetProperty("mean").GetProperty(key) : m.GetProperty("heads").GetProperty(head).GetProperty(key)))];
                var row = table.Locator($"tr[data-metric=\"{key}\"]");
                for (int i = 0; i < models.Length; i++)
                {
                    (await row.Locator($"td[data-column=\"{i}\"] .value").InnerTextAsync()).Should().Be(expected[i], $"{head}, {key}, model {i}");
                }

                string[] marked = [.. (await row.Locator("td.best").AllAsync()).Select(td => td.GetAttributeAsync("data-column").Result!)];
                marked.Should().BeEquivalentTo(BestColumns(expected, HigherIsBetter.Contains(key)), $"{head}, {key}");
            }
        }
    }

    /// <summary>The columns whose shown value is the best one, computed from the JSON independently of the report.</summary>
    private static string[] BestColumns(string[] shown, bool higherIsBetter)
    {
        double[] values = [.. shown.Select(s => s == "n/a" ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture))];
        if (values.All(double.IsNaN))
        {
            return [];
        }

        double best = higherIsBetter ? values.Where(v => !double.IsNaN(v)).Max() : values.Where(v => !double.IsNaN(v)).Min();
        return [.. Enumerable.Range(0, values.Length).Where(i => values[i] == best).Select(i => i.ToString(CultureInfo.InvariantCulture))];
    }

    private static string Format(JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? "n/a" : value.GetDouble().ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>A report open in Chromium: its page, the errors it logged and the natural width of each image.</summary>
    private sealed class Browser : IAsyncDisposable
    {
        private readonly IPlaywright _playwright;
        private readonly IBrowserContext _context;
        private readonly string _profile;

        private Browser(IPlaywright playwright, IBrowserContext context, string profile, IPage page)
        {
            _playwright = playwright;
            _context = context;
            _profile = profile;
            Page = page;
        }

        public IPage Page { get; }

        public List<string> Errors { get; } = [];

        public int[] ImageWidths { get; private set; } = [];

        public string ScreenshotPath { get; private set; } = string.Empty;

        public static async Task<Browser> OpenAsync(string htmlPath, string screenshotName)
        {
            ChromiumFactAttribute.RequireChromium();
            string profile = Directory.CreateTempSubdirectory("mhc-chromium-profile-").FullName;
            var playwright = await Playwright.CreateAsync();
            IBrowserContext context;
            try
            {
                context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
                {
                    ExecutablePath = ChromiumFactAttribute.ExecutablePath,
                    Headless = true,

                    // Measured on this machine: as root Chromium needs --no-sandbox, and without the background-
                    // networking flags its connections to the (closed) network are refused and logged as errors.
                    Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                    ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
                });
            }
            catch
            {
                playwright.Dispose();
                throw;
            }

            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            var browser = new Browser(playwright, context, profile, page);
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    browser.Errors.Add(message.Text);
                }
            };
            page.PageError += (_, error) => browser.Errors.Add(error);
            await page.GotoAsync(new Uri(htmlPath).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
            browser.ImageWidths = await page.EvaluateAsync<int[]>("() => Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)");
            string folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(folder);
            browser.ScreenshotPath = Path.Combine(folder, screenshotName);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = browser.ScreenshotPath, FullPage = true });
            return browser;
        }

        public async ValueTask DisposeAsync()
        {
            await _context.CloseAsync();
            _playwright.Dispose();
            Directory.Delete(_profile, recursive: true);
        }
    }
}

/// <summary>
/// A test that needs Debian's Chromium at <see cref="ExecutablePath"/>. Outside CI a machine without it skips the
/// test with a message; in CI (environment variable CI=true) the test always runs, and fails with a clear message
/// when Chromium is missing, because <c>.ci/run</c> must have installed it.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Debian's chromium package installs the browser here.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath) && !IsContinuousIntegration)
        {
            Skip = $"Chromium is not installed at {ExecutablePath} (apt-get install -y chromium); in CI (CI=true) this test fails instead.";
        }
    }

    private static bool IsContinuousIntegration => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fails the test with what to do when Chromium is missing.</summary>
    public static void RequireChromium()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}, and the report's browser tests need it: install Debian's package with "
                + "'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium' (.ci/run does this before the tests).");
        }
    }
}

/// <summary>
/// Two models trained by <c>mhc train</c> and the reports <c>mhc evaluate</c> writes for them: one for the first
/// model alone and one comparing both, each with prior correction and median decisions.
/// </summary>
public sealed class ReportWorkspace : IDisposable
{
    public ReportWorkspace()
    {
        Workspace = new CliWorkspace();
        string heads = string.Join(",", CliWorkspace.HeadNames);
        string a = Workspace.PathOf("model-a");
        string b = Workspace.PathOf("model-b");
        Train(a, "16", "7");
        Train(b, "8", "8");
        SingleJson = Workspace.PathOf("single.json");
        SingleHtml = Workspace.PathOf("single.html");
        ComparisonJson = Workspace.PathOf("comparison.json");
        ComparisonHtml = Workspace.PathOf("comparison.html");
        Require(Workspace.Run("evaluate", "--model", a, "--data", Workspace.TestCsv, "--json", SingleJson, "--correction", "prior", "--decision", "median", "--report", SingleHtml));
        Require(Workspace.Run("evaluate", "--model", a, "--model", b, "--data", Workspace.TestCsv, "--json", ComparisonJson, "--correction", "prior", "--decision", "median", "--report", ComparisonHtml));
        ModelA = a;
        ModelB = b;

        void Train(string dir, string hidden, string seed) =>
            Require(Workspace.Run("train", "--train", Workspace.TrainCsv, "--valid", Workspace.TestCsv, "--heads", heads, "--out", dir, "--epochs", "3", "--batch-size", "32", "--hidden", hidden, "--seed", seed));
    }

    public CliWorkspace Workspace { get; }

    public string ModelA { get; }

    public string ModelB { get; }

    public string SingleJson { get; }

    public string SingleHtml { get; }

    public string ComparisonJson { get; }

    public string ComparisonHtml { get; }

    public void Dispose() => Workspace.Dispose();

    private static void Require(CliResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"mhc failed with exit code {result.ExitCode}: {result.Stderr}");
        }
    }
}
