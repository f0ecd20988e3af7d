using System.Diagnostics;
using System.Net.Http.Json;
using Herald.Simulation;
using Herald.Storage.Sqlite;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Bench;

/// <summary>
/// Latency of every seed route over real HTTP, on a store of <c>--events</c> simulated events that end now (so the
/// "last 24 hours" windows hold real traffic): the store is filled through the engine, then a `herald serve` child
/// answers each route <see cref="Runs"/> times for team acme; p50 and p99 per route. Baseline side by side: the same
/// store's plain GROUP BY over the raw events of the last 24 hours.
/// </summary>
public static class EndpointsBench
{
    private const int Runs = 40;

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        string dataDir = Path.Combine(o.Dir, "endpoints");
        // --reuse-store 1 times a store an earlier run filled (its traffic then ends when that run filled it).
        bool reuse = o.ReuseStore && File.Exists(Path.Combine(dataDir, "herald.db"));
        var lastEvent = reuse ? LastEvent(dataDir) : Fill(o, dataDir);
        report.Add("endpoints store", reuse ? "reused" : $"{o.Events:N0} events", $"the last at {DateTimeOffset.FromUnixTimeMilliseconds(lastEvent):u}");
        report.Add("baseline: GROUP BY status over the raw events of 24 h", Ms(GroupByBaseline(dataDir)), "sqlite, one team, one run");

        // The computation itself: nothing kept between calls.
        List<string> recipients;
        await using (var server = await HeraldChild.StartAsync(dataDir, new Dictionary<string, string> { ["Herald__Cache__Enabled"] = "false" }))
        {
            using var http = server.Client();
            string settings;
            (settings, recipients) = await SetUpComplianceAsync(http, dataDir);
            report.Add("compliance settings", settings, "team default, contacts with their own, account TPS limits");
            foreach (var route in Routes) report.Add("GET " + route.Split('?')[0], await TimeAsync(http, route), $"{Runs} calls over HTTP, cache off");
        }
        // What the cache tiers give back when no new data lands in a window (a quiet store: every call after the first is a hit).
        await using (var server = await HeraldChild.StartAsync(dataDir))
        {
            using var http = server.Client();
            foreach (var route in CachedRoutes) report.Add("GET " + route.Split('?')[0] + " (kept)", await TimeAsync(http, route), $"{Runs} calls over HTTP, cache on");
        }
        // Live: acme's traffic keeps coming while the routes answer (sends, STOP/START keywords at the current time), so
        // the hour in progress changes under every question; cache off.
        await using (var server = await HeraldChild.StartAsync(dataDir, new Dictionary<string, string> { ["Herald__Cache__Enabled"] = "false" }))
        {
            using var http = server.Client();
            using var stop = new CancellationTokenSource();
            long posted = 0;
            var started = Stopwatch.StartNew();
            var feeder = Task.Run(() => FeedAsync(http, recipients, () => posted += LiveBatch, stop.Token));
            await Task.Delay(2000);
            var results = new List<(string Route, string Times)>();
            foreach (var route in LiveRoutes) results.Add((route, await TimeAsync(http, route)));
            stop.Cancel();
            await feeder;
            double rate = posted / started.Elapsed.TotalSeconds;
            foreach (var (route, times) in results)
                report.Add("GET " + route.Split('?')[0] + " (while ingesting)", times, $"{Runs} calls, cache off, {rate:N0} events/s of acme posted meanwhile");
        }
    }

    private static readonly string[] LiveRoutes =
    [
        "/api/v1/analytics/compliance?team=acme",
        "/api/v1/analytics/consent?team=acme",
        "/api/v1/monitoring/dashboard?team=acme",
        "/api/v1/failures?team=acme",
        "/api/v1/analytics/trends/messages?granularity=minute&hours=24&team=acme",
    ];

    private const int LiveBatch = 100;

    /// <summary>Posts batches of acme sends (one in 50 a STOP or START from the contact) stamped now, ten a second.</summary>
    private static async Task FeedAsync(HttpClient http, List<string> recipients, Action onBatch, CancellationToken stop)
    {
        var rng = new Random(7);
        int n = 0;
        while (!stop.IsCancellationRequested)
        {
            string now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
            var batch = new List<Dictionary<string, object>>();
            for (int i = 0; i < LiveBatch; i++, n++)
            {
                string recipient = recipients[rng.Next(recipients.Count)];
                batch.Add(i % 50 == 49
                    ? new() { ["event_id"] = $"live-{n}", ["item_id"] = $"live-{n}", ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = now,
                        ["direction"] = "inbound", ["recipient"] = recipient, ["channel"] = "sms", ["text"] = rng.Next(2) == 0 ? "STOP" : "START" }
                    : new() { ["event_id"] = $"live-{n}", ["item_id"] = $"live-{n}", ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = now,
                        ["direction"] = "outbound", ["recipient"] = recipient, ["channel"] = "sms", ["account"] = "acme-marketing" });
            }
            using var response = await http.PostAsJsonAsync("/api/v1/events?team=acme", batch, CancellationToken.None);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"live ingest: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
            onBatch();
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static readonly string[] CachedRoutes =
    [
        "/api/v1/analytics/metrics/messages/realtime?window_seconds=60&team=acme",
        "/api/v1/analytics/trends/messages?granularity=minute&hours=24&team=acme",
        "/api/v1/analytics/predictions/message-volume?hours_ahead=24&team=acme",
        "/api/v1/analytics/dashboard/summary?team=acme",
    ];

    private static readonly string[] Routes =
        [
        "/api/v1/metrics/summary?team=acme",
        "/api/v1/analytics/metrics/messages/realtime?window_seconds=60&team=acme",
        "/api/v1/analytics/trends/messages?granularity=hour&hours=24&team=acme",
        "/api/v1/analytics/trends/messages?granularity=minute&hours=24&team=acme",
        "/api/v1/analytics/predictions/message-volume?hours_ahead=24&team=acme",
        "/api/v1/analytics/metrics/campaigns/acme-spring-sale?team=acme",
        "/api/v1/analytics/campaigns/ranking?team=acme",
        "/api/v1/analytics/metrics/accounts/acme-marketing?team=acme",
        "/api/v1/analytics/metrics/routes?team=acme",
        "/api/v1/analytics/aggregations?metric=delivery_time&aggregation=percentile&group_by=provider&team=acme",
        "/api/v1/analytics/dashboard/summary?team=acme",
        "/api/v1/monitoring/dashboard?team=acme",
        "/api/v1/analytics/metrics/system",
        "/api/v1/failures?team=acme",
        "/api/v1/analytics/consent?team=acme",
        "/api/v1/analytics/inbound?team=acme",
        "/api/v1/analytics/compliance?team=acme",
        "/api/v1/contacts/%2B447700900001/consent?team=acme",
        "/api/delivery-metrics/report?team=acme",
    ];

    /// <summary>
    /// Gives compliance real work: a team default (New York, 21:00-08:00, so the team-default count reads cell ranges),
    /// 1,000 of acme's recipients with their own zone and window (read item by item), and TPS limits on acme's accounts at
    /// 1.2 × their average events per second of the last 24 hours (so busy hours are read minute by minute).
    /// </summary>
    private static async Task<(string Summary, List<string> Recipients)> SetUpComplianceAsync(HttpClient http, string dataDir)
    {
        async Task Put(string path, object body)
        {
            using var response = await http.PutAsJsonAsync(path, body);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await Put("/api/v1/compliance/settings?team=acme", new { time_zone = "America/New_York", quiet_hours = new { start = "21:00", end = "08:00" } });
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "herald.db")};Mode=ReadOnly");
        c.Open();
        var recipients = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT DISTINCT recipient FROM items WHERE team_id = 1 AND recipient IS NOT NULL LIMIT 1000";
            using var r = cmd.ExecuteReader();
            while (r.Read()) recipients.Add(r.GetString(0));
        }
        string[] zones = ["Europe/London", "Asia/Kolkata", "America/Los_Angeles", "Australia/Sydney", "Europe/Berlin"];
        for (int i = 0; i < recipients.Count; i++)
            await Put($"/api/v1/contacts/{Uri.EscapeDataString(recipients[i])}?team=acme",
                new { time_zone = zones[i % zones.Length], quiet_hours = i % 3 == 0 ? null : new { start = "22:00", end = "07:30" } });
        var limits = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = """
                SELECT d.account, COUNT(*) FROM events e JOIN dimension_sets d ON d.id = e.dimension_set_id
                WHERE e.team_id = 1 AND e.occurred_at >= $from AND d.account IS NOT NULL GROUP BY d.account
                """;
            cmd.Parameters.AddWithValue("$from", DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds());
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                double limit = Math.Round(r.GetInt64(1) / 86_400.0 * 1.2, 3);
                if (limit <= 0) continue;
                await Put($"/api/v1/accounts/{Uri.EscapeDataString(r.GetString(0))}?team=acme", new { tps_limit = limit });
                limits.Add($"{r.GetString(0)} {limit}/s");
            }
        }
        return ($"{recipients.Count} contacts; limits {string.Join(", ", limits)}", recipients);
    }

    private static async Task<string> TimeAsync(HttpClient http, string route)
    {
        var times = new List<double>();
        for (int i = 0; i < Runs + 3; i++)
        {
            var sw = Stopwatch.StartNew();
            using var response = await http.GetAsync(route);
            await response.Content.ReadAsByteArrayAsync();
            sw.Stop();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{route}: {(int)response.StatusCode}");
            if (i >= 3) times.Add(sw.Elapsed.TotalMilliseconds); // the first calls warm the JIT and SQLite's page cache
        }
        times.Sort();
        return $"p50 {times[times.Count / 2]:0.0} ms, p99 {times[(int)Math.Ceiling(times.Count * 0.99) - 1]:0.0} ms";
    }

    /// <summary>Fills the store through the engine with traffic ending about now; answers the last event's time.</summary>
    internal static long Fill(BenchOptions o, string dataDir)
    {
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, true);
        Directory.CreateDirectory(dataDir);
        var profile = IngestBench.Profile(o.Events);
        // The simulator makes about 3.2 events per item: start far enough back that the traffic reaches now.
        long spanMs = (long)(o.Events / (profile.ItemsPerSecond * 3.2) * 1000);
        profile = profile with { StartTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - spanMs };
        using var store = new SqliteStore(Path.Combine(dataDir, "herald.db"));
        store.MigrateUp();
        var registry = new DimensionRegistry();
        registry.Load(store);
        var teams = new TeamDirectory(store, TimeProvider.System);
        var writer = new BatchWriter(store, registry, new PendingRollups(), TimeProvider.System, new WriterOptions { FlushInterval = o.FlushInterval });
        var generator = new TrafficGenerator(profile);
        var teamIds = generator.TeamNames.ToDictionary(n => n, n => teams.GetOrCreate(n).Id);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), last = 0, done = 0;
        foreach (var chunk in generator.GenerateBatches(o.Events, o.BatchSize))
        {
            var batches = new Dictionary<int, List<Herald.Domain.IncomingEvent>>();
            foreach (var e in chunk)
            {
                if (e.Event.OccurredAtMs > now) continue; // a future event would not be accepted over the API
                last = Math.Max(last, e.Event.OccurredAtMs);
                (batches.TryGetValue(teamIds[e.TeamName], out var l) ? l : batches[teamIds[e.TeamName]] = []).Add(e.Event);
            }
            writer.Write(batches.Select(b => new IngestBatch(b.Key, b.Value.ToArray())).ToList());
            done += chunk.Count;
            if (done % 1_000_000 < chunk.Count) Console.WriteLine($"endpoints: {done:N0} events written");
        }
        writer.Flush();
        return last;
    }

    internal static long LastEvent(string dataDir)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "herald.db")}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT MAX(occurred_at) FROM events";
        return (long)cmd.ExecuteScalar()!;
    }

    private static double GroupByBaseline(string dataDir)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "herald.db")}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT status, COUNT(*) FROM events WHERE team_id = 1 AND occurred_at >= $from GROUP BY status";
        cmd.Parameters.AddWithValue("$from", DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds());
        var sw = Stopwatch.StartNew();
        using (var r = cmd.ExecuteReader()) while (r.Read()) { }
        return sw.Elapsed.TotalMilliseconds;
    }

    private static string Ms(double ms) => $"{ms:0.0} ms";
}
