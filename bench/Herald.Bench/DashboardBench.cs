using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Analytics;
using Herald.Dashboard;
using Herald.Domain;
using Herald.Hosting;
using Herald.Simulation;
using Herald.Storage.Sqlite;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Bench;

/// <summary>
/// The dashboard on a store of generated events ending now (7 days of traffic): the requests the overview makes on its
/// first load, over HTTP to an in-process server on loopback, each alone and as the page issues them; one live tick's
/// server time; and, when Debian's chromium is installed, the page itself in a headless browser (first paint, fully loaded).
/// </summary>
public static class DashboardBench
{
    private const string AdminKey = "hk_bench_dashboard_admin";
    private const int Runs = 30;

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        string dataDir = Path.Combine(o.Dir, "dashboard");
        long events = o.DashboardEvents;
        if (!File.Exists(Path.Combine(dataDir, "herald.db")) || File.ReadAllText(Path.Combine(dataDir, "events.txt")) != events.ToString())
            Build(dataDir, events);

        var app = HeraldHost.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Herald:DataDir"] = dataDir,
            ["Herald:AdminKey"] = AdminKey,
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var admin = new HttpClient { BaseAddress = address };
            admin.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
            var teams = app.Services.GetRequiredService<TeamDirectory>();
            var acme = teams.ByPublicIdOrName("acme")!;
            var created = await admin.PostAsJsonAsync("/api/v1/keys", new { team_id = acme.PublicId, name = "bench", scopes = new[] { "metrics:read" }, rate_limit = new { requests = 1_000_000, period = 60_000 } });
            created.EnsureSuccessStatusCode();
            string key = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["data"]!["key"]!.GetValue<string>();
            using var client = new HttpClient { BaseAddress = address };
            client.DefaultRequestHeaders.Add("X-API-Key", key);
            client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("gzip");

            Console.WriteLine($"dashboard: {events:N0} generated events over 7 days ending now; team acme");
            foreach (var range in new[] { ("24h", 1440, "hour"), ("7d", 10080, "day") })
                await MeasureFirstLoad(client, report, range.Item1, range.Item2, range.Item3);
            MeasureTicks(app.Services, acme.Id, teams, report);
            await MeasureBrowser(address, key, report);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>The store: the simulator's traffic over the 7 days before now, written by the engine's writer.</summary>
    private static void Build(string dataDir, long events)
    {
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, true);
        Directory.CreateDirectory(dataDir);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        const double days = 7;
        var generator = new TrafficGenerator(new SimulationProfile
        {
            Seed = 11,
            StartTimeMs = now - (long)(days * 86_400_000),
            // ~3.2 events per item, the daily cycle averaging about 1: the stream ends close to now.
            ItemsPerSecond = events / 3.2 / (days * 86_400),
            LifecycleTimeScale = 0.2,
        });
        using var store = new SqliteStore(Path.Combine(dataDir, "herald.db"));
        store.MigrateUp();
        var registry = new DimensionRegistry();
        registry.Load(store);
        var teams = new TeamDirectory(store, TimeProvider.System);
        var writer = new BatchWriter(store, registry, new PendingRollups(), TimeProvider.System);
        var teamIds = generator.TeamNames.ToDictionary(n => n, n => teams.GetOrCreate(n).Id);
        var sw = Stopwatch.StartNew();
        long written = 0, last = 0, future = 0;
        foreach (var chunk in generator.GenerateBatches(events, 5000))
        {
            var byTeam = new Dictionary<string, List<IncomingEvent>>();
            foreach (var e in chunk)
            {
                if (e.Event.OccurredAtMs > now) { future++; continue; }
                (byTeam.TryGetValue(e.TeamName, out var l) ? l : byTeam[e.TeamName] = new()).Add(e.Event);
            }
            writer.Write(byTeam.Select(kv => new IngestBatch(teamIds[kv.Key], kv.Value.ToArray())).ToList());
            written += chunk.Count;
            if (written - last >= 500_000)
            {
                last = written;
                Console.WriteLine($"  built {written:N0} events ({sw.Elapsed.TotalSeconds:F0} s)");
            }
        }
        writer.Flush();
        File.WriteAllText(Path.Combine(dataDir, "events.txt"), events.ToString());
        Console.WriteLine($"  store built in {sw.Elapsed.TotalSeconds:F0} s ({future:N0} events past now dropped)");
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    /// <summary>The page's first-load requests, as app.js makes them.</summary>
    private static (string[] Sequential, string[] Parallel) PageRequests(int minutes, string granularity)
    {
        var now = DateTimeOffset.UtcNow;
        var to = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        string w = $"from={Iso(to.AddMinutes(-minutes))}&to={Iso(to)}";
        string[] sequential = ["/api/v1/dashboard/session", $"/api/v1/metrics/summary?{w}"];
        string[] parallel =
        [
            $"/api/v1/metrics/timeseries?{w}&granularity={granularity}",
            $"/api/v1/failures?{w}&limit=10",
            $"/api/v1/metrics/breakdown?{w}&by=channel",
            $"/api/v1/metrics/breakdown?{w}&by=provider",
            $"/api/v1/metrics/breakdown?{w}&by=country",
            $"/api/v1/metrics/breakdown?{w}&by=campaign",
            "/api/delivery-metrics/health",
            "/api/delivery-metrics/alerts",
        ];
        return (sequential, parallel);
    }

    private static async Task<double> Get(HttpClient client, string path)
    {
        var sw = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        response.EnsureSuccessStatusCode();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static async Task MeasureFirstLoad(HttpClient client, Report report, string range, int minutes, string granularity)
    {
        var (sequential, parallel) = PageRequests(minutes, granularity);
        string[] assets = ["/monitoring/assets/app.css", "/monitoring/assets/app.js", "/monitoring/assets/vendor/chart.umd.min.js"];
        // Cold: the very first load after start (caches empty).
        var cold = Stopwatch.StartNew();
        foreach (var p in sequential) await Get(client, p);
        await Task.WhenAll(parallel.Select(p => Get(client, p)));
        double coldMs = cold.Elapsed.TotalMilliseconds;

        var each = parallel.Concat(sequential).ToDictionary(p => p, _ => new List<double>());
        var whole = new List<double>();
        for (int run = 0; run < Runs; run++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var p in sequential) each[p].Add(await Get(client, p));
            var times = await Task.WhenAll(parallel.Select(p => Get(client, p)));
            whole.Add(sw.Elapsed.TotalMilliseconds);
            for (int i = 0; i < parallel.Length; i++) each[parallel[i]].Add(times[i]);
        }
        foreach (var (path, list) in each)
        {
            string name = path.Split('?')[0] + (path.Contains("by=") ? " " + path[(path.IndexOf("by=", StringComparison.Ordinal))..] : "")
                                               + (path.Contains("granularity=") ? $" ({granularity})" : "");
            report.Add($"{range}: GET {name} (issued as the page does)", Percentiles(list));
        }
        report.Add($"{range}: the overview's whole request set (session → summary → 8 in parallel)", Percentiles(whole), $"cold first load {coldMs:F0} ms");
        var alone = new List<double>();
        foreach (var p in parallel) alone.Add((await Measure(client, p)).Average());
        report.Add($"{range}: the same 8 requests one at a time (server time, sum of means)", $"{alone.Sum():F1} ms",
            "largest: " + string.Join(", ", parallel.Zip(alone).OrderByDescending(x => x.Second).Take(2).Select(x => $"{x.First.Split('?')[0]} {x.Second:F1} ms")));
        double assetMs = 0;
        foreach (var a in assets) assetMs += await Get(client, a);
        report.Add("static files (app.css, app.js, chart.js gzip), loopback", $"{assetMs:F1} ms");
    }

    private static async Task<List<double>> Measure(HttpClient client, string path)
    {
        var list = new List<double>();
        for (int i = 0; i < 10; i++) list.Add(await Get(client, path));
        return list;
    }

    private static void MeasureTicks(IServiceProvider services, int team, TeamDirectory teams, Report report)
    {
        var hub = services.GetRequiredService<LiveHub>();
        var cases = new (string Name, LiveQuery Query)[]
        {
            ("team, 24 h", new LiveQuery([team], MetricFilter.None, [], 1440)),
            ("team, 24 h, provider=twilio", new LiveQuery([team], new MetricFilter().Allow(Dimension.Provider, ["twilio"]), [(Dimension.Provider, ["twilio"])], 1440)),
            ("team, 30 d", new LiveQuery([team], MetricFilter.None, [], 43200)),
            ("all teams (admin), 24 h", new LiveQuery(teams.All.Select(t => t.Id).ToArray(), MetricFilter.None, [], 1440)),
        };
        foreach (var (name, query) in cases)
        {
            var list = new List<double>();
            for (int i = 0; i < 50; i++)
            {
                var sw = Stopwatch.StartNew();
                hub.ComputeTick(query, DateTimeOffset.UtcNow, 1);
                list.Add(sw.Elapsed.TotalMilliseconds);
            }
            report.Add($"live tick computation ({name})", Percentiles(list), "once per second per distinct query, shared by its listeners");
        }
    }

    /// <summary>The page in Debian's chromium: first contentful paint and the first full load (every figure drawn), cold and warm.</summary>
    private static async Task MeasureBrowser(Uri address, string key, Report report)
    {
        if (!File.Exists("/usr/bin/chromium"))
        {
            Console.WriteLine("  (no /usr/bin/chromium: browser timings skipped)");
            return;
        }
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString(), ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/monitoring/login");
        await page.FillAsync("#api_key", key);
        await page.ClickAsync("#sign-in");
        await page.WaitForFunctionAsync("() => document.body.dataset.loaded && document.body.dataset.loading === 'false'");
        // The first load after sign-in: nothing cached.
        var paints = new List<double> { await page.EvaluateAsync<double>("() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1") };
        var loads = new List<double> { await page.EvaluateAsync<double>("() => performance.now()") };
        for (int i = 0; i < 5; i++)
        {
            await page.GotoAsync("/monitoring");
            await page.WaitForFunctionAsync("() => document.body.dataset.loaded && document.body.dataset.loading === 'false'");
            paints.Add(await page.EvaluateAsync<double>("() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"));
            loads.Add(await page.EvaluateAsync<double>("() => performance.now()"));
        }
        report.Add("browser: first contentful paint of /monitoring (chromium, loopback)", $"first {paints[0]:F0} ms, then p50 {paints.Order().ElementAt(paints.Count / 2):F0} ms");
        report.Add("browser: overview fully loaded (every KPI, chart, table)", $"first {loads[0]:F0} ms, then p50 {loads.Order().ElementAt(loads.Count / 2):F0} ms", "24 h range");

        // The other tabs: panels.js is fetched the first time one is opened, then each tab loads its own data.
        foreach (var tab in new[] { "alerts", "campaigns", "trends" })
        {
            var opened = new List<double>();
            for (int i = 0; i < 3; i++)
            {
                await page.GotoAsync("/monitoring");
                await page.WaitForFunctionAsync("() => document.body.dataset.loaded && document.body.dataset.loading === 'false'");
                double start = await page.EvaluateAsync<double>("() => performance.now()");
                await page.ClickAsync($"#tab-{tab}");
                await page.WaitForFunctionAsync($"() => Number(document.querySelector('#panel-{tab}').dataset.loaded || 0) > 0 && document.querySelector('#panel-{tab}').dataset.loading === 'false'");
                opened.Add(await page.EvaluateAsync<double>("() => performance.now()") - start);
            }
            report.Add($"browser: the {tab} tab opened from the overview (panels.js and its requests, every card drawn)", $"p50 {opened.Order().ElementAt(1):F0} ms (3 runs)");
        }
    }

    private static string Percentiles(List<double> values) =>
        $"p50 {BenchStats.Quantile(values, 0.5):F1} ms, p99 {BenchStats.Quantile(values, 0.99):F1} ms";
}
