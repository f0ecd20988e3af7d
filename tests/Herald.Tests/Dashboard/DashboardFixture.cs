using System.Text.Json.Nodes;
using Herald.Simulation;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Playwright;

namespace Herald.Tests.Dashboard;

/// <summary>
/// One Herald server and one headless Debian chromium (driven by Playwright, never downloaded) shared by a test class.
/// The server holds the simulator's three teams with a realistic last day of traffic (for screenshots) and a small team
/// "beta" whose events the tests write and count exactly. Each test opens its own browser context (fresh cookies).
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public HeraldServer Server { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string BetaKey { get; private set; } = null!;
    public string BetaTeamId { get; private set; } = null!;
    public string AcmeKey { get; private set; } = null!;
    public string WriteOnlyKey { get; private set; } = null!;
    public HttpClient Beta { get; private set; } = null!;
    public string SampleAcmeItem { get; private set; } = null!; // set from the generated traffic, which always has acme items
    /// <summary>Whether the test class wrote team beta's events yet.</summary>
    public bool BetaSeeded { get; set; }

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: apt-get install -y chromium (.ci/run installs it)");
        var serverTask = StartServerAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        // Playwright starts chromium with a fresh temporary profile (its own --user-data-dir) and removes it at close.
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        await serverTask;
    }

    private async Task StartServerAsync()
    {
        Server = await HeraldServer.StartAsync(new() { ["Herald:Otp:EnableConsoleSender"] = "true" });
        (BetaTeamId, BetaKey) = await Server.CreateTeamAsync("beta");
        Beta = Server.Client(BetaKey);
        WriteOnlyKey = await Server.CreateKeyAsync(BetaTeamId, ["events:write"]);
        await SeedRealisticDayAsync();
    }

    /// <summary>The simulator's teams with traffic over the last 23 hours (what the screenshots show).</summary>
    private async Task SeedRealisticDayAsync()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var generator = new TrafficGenerator(new SimulationProfile
        {
            Seed = 7,
            StartTimeMs = now - 23 * 3_600_000L,
            ItemsPerSecond = 0.035,
            RecipientsPerTeam = 400,
            LifecycleTimeScale = 0.2,
        });
        var keys = new Dictionary<string, string>();
        foreach (var team in generator.TeamNames) keys[team] = (await Server.CreateTeamAsync(team)).Key;
        AcmeKey = keys["acme"];
        var writer = new EventJsonWriter();
        var byTeam = generator.TeamNames.ToDictionary(t => t, _ => new List<Herald.Domain.IncomingEvent>());
        foreach (var e in generator.Generate(12_000))
        {
            if (e.Event.OccurredAtMs > now - 60_000) continue;
            byTeam[e.TeamName].Add(e.Event);
            if (SampleAcmeItem is null && e.TeamName == "acme") SampleAcmeItem = e.Event.ItemId;
        }
        foreach (var (team, events) in byTeam)
        {
            using var client = Server.Client(keys[team]);
            foreach (var chunk in events.Chunk(5000))
            {
                var body = new ByteArrayContent(writer.Write(chunk).ToArray()) { Headers = { ContentType = new("application/json") } };
                var response = await client.PostAsync("/api/v1/events", body);
                Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            }
        }
    }

    /// <summary>A new browser context (its own cookies) and page at the given viewport.</summary>
    public async Task<(IBrowserContext Context, IPage Page)> NewPageAsync(int width = 1440, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = 1,
            TimezoneId = "UTC",
            Locale = "en-US",
            // No pulsing or flashing: less work for a browser that shares 2 cores with the rest of the suite.
            ReducedMotion = ReducedMotion.Reduce,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return (context, page);
    }

    /// <summary>Signs in through the form and waits for the overview's first full load.</summary>
    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/monitoring");
        Assert.EndsWith("/monitoring/login", new Uri(page.Url).AbsolutePath);
        await page.FillAsync("#api_key", key);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync("**/monitoring");
        await WaitLoadedAsync(page);
    }

    public static Task WaitLoadedAsync(IPage page) =>
        page.WaitForFunctionAsync("() => document.body.dataset.loading === 'false' && document.body.dataset.loaded");

    public static Task WaitLiveAsync(IPage page) =>
        page.WaitForFunctionAsync("() => document.querySelector('#live').dataset.state === 'live'");

    /// <summary>The raw value behind a KPI (its data-value attribute).</summary>
    public static async Task<string?> KpiAsync(IPage page, string name) =>
        await page.GetAttributeAsync($"[data-kpi='{name}']", "data-value");

    public static string Number(JsonNode? node) => node is null ? "" : node.ToJsonString();

    /// <summary>Posts events for team beta and asserts they were all accepted.</summary>
    public async Task PostBetaAsync(params object[] events)
    {
        var data = await Kit.Ingest(Beta, events);
        Assert.Equal(events.Length, data["accepted"]!.GetValue<int>());
    }

    public async Task<JsonNode> BetaSummaryAsync(string filters = "") => await Kit.GetData(Beta, "/api/v1/metrics/summary" + (filters.Length > 0 ? "?" + filters : ""));

    /// <summary>docs/screenshots of the repository when HERALD_UPDATE_SCREENSHOTS=1, else a temporary folder.</summary>
    public static string ScreenshotDir()
    {
        if (Environment.GetEnvironmentVariable("HERALD_UPDATE_SCREENSHOTS") == "1")
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Herald.slnx"))) dir = dir.Parent;
            if (dir is not null) return Directory.CreateDirectory(Path.Combine(dir.FullName, "docs", "screenshots")).FullName;
        }
        return Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "herald-screenshots")).FullName;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        Playwright?.Dispose();
        Beta?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }
}
