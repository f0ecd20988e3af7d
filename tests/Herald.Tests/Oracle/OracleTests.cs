using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Tests.Support;

namespace Herald.Tests.Oracle;

/// <summary>
/// Herald's answers against a brute-force recomputation from the raw events, on randomized streams with
/// duplicates, out-of-order callbacks, late dimensions and many teams.
/// </summary>
public sealed class OracleTests
{
    private static readonly string[] TeamNames = ["oracle-a", "oracle-b", "oracle-c"];
    private static readonly string[] FilterDimensions = ["account", "channel", "provider", "route", "campaign", "country", "kind", "direction", "agent", "template"];

    /// <param name="flushMs">How often pending rollups fold into the store: never (all answers from the overlay), or very often.</param>
    /// <param name="restartMidway">Restart the server half way through the stream: state must survive.</param>
    /// <param name="provider">The store: the same stream and the same answers on SQLite and on PostgreSQL.</param>
    [Theory]
    [InlineData(11, 3_600_000, false, TestStores.Sqlite)]
    [InlineData(12, 20, true, TestStores.Sqlite)]
    [InlineData(13, 1_000, true, TestStores.Sqlite)]
    [InlineData(11, 3_600_000, false, TestStores.Postgres)]
    [InlineData(12, 20, true, TestStores.Postgres)]
    [InlineData(13, 1_000, true, TestStores.Postgres)]
    public async Task Metrics_equal_a_recomputation_from_raw_events(int seed, int flushMs, bool restartMidway, string provider)
    {
        var settings = TestStores.Settings(provider, "oracle");
        settings["Herald:Writer:FlushInterval"] = TimeSpan.FromMilliseconds(flushMs).ToString();
        await using var server = await HeraldServer.StartAsync(settings);
        var keys = new Dictionary<string, string>();
        var teamIds = new Dictionary<string, string>();
        foreach (var name in TeamNames)
        {
            var (id, key) = await server.CreateTeamAsync(name + "-" + seed);
            keys[name] = key;
            teamIds[name] = id;
        }

        // 62 days across a month boundary, so minute, hour, day and month cells are all read.
        long start = new DateTimeOffset(2026, 9, 20, 7, 13, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        long span = TimeSpan.FromDays(62).Ticks / TimeSpan.TicksPerMillisecond;
        var stream = RandomStream.Generate(seed, TeamNames, items: 1500, start, span);
        var model = new ReferenceModel();
        var rnd = new Random(seed);

        // Send in arrival order, in requests of random size; each request carries one team's events.
        int accepted = 0, duplicates = 0, rejected = 0, expectedAccepted = 0, expectedDuplicates = 0, expectedRejected = 0;
        int i = 0;
        bool restarted = false;
        while (i < stream.Count)
        {
            if (restartMidway && !restarted && i > stream.Count / 2)
            {
                await server.RestartAsync();
                restarted = true;
            }
            string team = stream[i].Team;
            var chunk = new List<TestEvent>();
            int size = 1 + rnd.Next(150);
            while (i < stream.Count && chunk.Count < size && stream[i].Team == team) chunk.Add(stream[i++]);
            foreach (var e in chunk)
            {
                switch (model.Apply(e))
                {
                    case "accepted": expectedAccepted++; break;
                    case "duplicate": expectedDuplicates++; break;
                    default: expectedRejected++; break;
                }
            }
            using var client = server.Client(keys[team]);
            var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(ToJson(chunk)));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            var data = await HeraldServer.ReadData(response);
            accepted += data["accepted"]!.GetValue<int>();
            duplicates += data["duplicates"]!.GetValue<int>();
            rejected += data["rejected"]!.AsArray().Count;
        }
        Assert.Equal(expectedAccepted, accepted);
        Assert.Equal(expectedDuplicates, duplicates);
        Assert.Equal(expectedRejected, rejected);
        Assert.True(stream.Count > 3000, $"the stream has {stream.Count} events");

        long end = start + span + TimeSpan.FromDays(1).Ticks / TimeSpan.TicksPerMillisecond;
        long from0 = start - TimeSpan.FromDays(1).Ticks / TimeSpan.TicksPerMillisecond;

        // Whole range, every team, through the admin key and through each team's key.
        await CheckSummary(server.Admin, model, TeamNames, from0, end, new(), $"&team={teamIds["oracle-a"]}", ["oracle-a"]);
        await CheckSummary(server.Admin, model, TeamNames, from0, end, new(), "", TeamNames);
        foreach (var team in TeamNames)
        {
            using var client = server.Client(keys[team]);
            await CheckSummary(client, model, [team], from0, end, new(), "", [team]);
        }

        // Random windows (ragged minutes) and random filters.
        for (int q = 0; q < 40; q++)
        {
            long a = Minute(start + (long)(rnd.NextDouble() * span));
            long b = Minute(a + (long)(rnd.NextDouble() * span / (1 + rnd.Next(10)))) + 60_000;
            var filter = RandomFilter(rnd, model);
            string team = TeamNames[rnd.Next(TeamNames.Length)];
            using var client = server.Client(keys[team]);
            await CheckSummary(client, model, [team], a, b, filter, "", [team]);
        }

        // Timeseries at every granularity.
        foreach (var (g, days) in new[] { ("minute", 0.2), ("hour", 3.0), ("day", 40.0), ("week", 62.0), ("month", 62.0) })
        {
            long a = Minute(start + (long)(rnd.NextDouble() * (span - days * 86_400_000)));
            long b = Minute(a + (long)(days * 86_400_000)) + 60_000 * rnd.Next(1, 90);
            var filter = rnd.Next(2) == 0 ? new Dictionary<string, string>() : RandomFilter(rnd, model);
            await CheckTimeseries(server.Admin, model, a, b, g, filter);
        }

        // Breakdown by every dimension.
        foreach (var by in FilterDimensions)
        {
            long a = Minute(start + (long)(rnd.NextDouble() * span / 2));
            long b = Minute(a + span / 2);
            using var client = server.Client(keys["oracle-b"]);
            await CheckBreakdown(client, model, ["oracle-b"], a, b, by);
        }
    }

    private static async Task CheckSummary(HttpClient client, ReferenceModel model, string[] _, long from, long to,
        Dictionary<string, string> filter, string extra, string[] teams)
    {
        var url = $"/api/v1/metrics/summary?from={Ts(from)}&to={Ts(to)}{FilterQuery(filter)}{extra}";
        var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, url + " -> " + await response.Content.ReadAsStringAsync());
        var data = await HeraldServer.ReadData(response);
        // Herald truncates from/to to whole minutes.
        var expected = model.Compute(teams, Minute(from), Minute(to), filter);
        AssertSummary(expected, data, url);
    }

    private static async Task CheckTimeseries(HttpClient client, ReferenceModel model, long from, long to, string g, Dictionary<string, string> filter)
    {
        var url = $"/api/v1/metrics/timeseries?granularity={g}&from={Ts(from)}&to={Ts(to)}{FilterQuery(filter)}";
        var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, url + " -> " + await response.Content.ReadAsStringAsync());
        var points = (await HeraldServer.ReadData(response))["points"]!.AsArray();
        Assert.NotEmpty(points);
        for (int p = 0; p < points.Count; p++)
        {
            long bucket = DateTimeOffset.Parse(points[p]!["timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            long next = p + 1 < points.Count
                ? DateTimeOffset.Parse(points[p + 1]!["timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()
                : to;
            var expected = model.Compute(TeamNames, Math.Max(bucket, from), Math.Min(next, to), filter);
            AssertSummary(expected, points[p]!, $"{url} point {p}");
        }
        long lastExpectedBucket = points.Count;
        Assert.True(lastExpectedBucket > 0);
    }

    private static async Task CheckBreakdown(HttpClient client, ReferenceModel model, string[] teams, long from, long to, string by)
    {
        var url = $"/api/v1/metrics/breakdown?by={by}&from={Ts(from)}&to={Ts(to)}";
        var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, url + " -> " + await response.Content.ReadAsStringAsync());
        var rows = (await HeraldServer.ReadData(response))["rows"]!.AsArray();
        var values = model.Items.Values.Where(i => teams.Contains(i.Team)).Select(i => ReferenceModel.DimensionOf(i, by)).Distinct().ToList();
        int nonEmpty = 0;
        foreach (var value in values)
        {
            var items = model.Items.Values.Where(i => teams.Contains(i.Team) && ReferenceModel.DimensionOf(i, by) == value).ToList();
            var expected = Restrict(model, teams, from, to, i => ReferenceModel.DimensionOf(i, by) == value);
            var row = rows.FirstOrDefault(r => r!["key"]?.GetValue<string>() == value);
            if (expected.Total == 0 && expected.Events == 0)
            {
                Assert.Null(row);
                continue;
            }
            nonEmpty++;
            Assert.True(row is not null, $"{url}: no row for {value ?? "null"}");
            AssertSummary(expected, row!, $"{url} key {value ?? "null"}");
        }
        Assert.Equal(nonEmpty, rows.Count);
    }

    private static ReferenceModel.Expected Restrict(ReferenceModel model, string[] teams, long from, long to, Func<ReferenceModel.Item, bool> where)
    {
        var sub = new ReferenceModel();
        foreach (var item in model.Items.Values.Where(i => teams.Contains(i.Team) && where(i))) sub.Items[(item.Team, item.Id)] = item;
        return sub.Compute(teams, Minute(from), Minute(to), new Dictionary<string, string>());
    }

    private static void AssertSummary(ReferenceModel.Expected expected, JsonNode data, string context)
    {
        Assert.True(expected.Total == data["total"]!.GetValue<long>(), $"{context}: total {data["total"]} expected {expected.Total}");
        Assert.True(expected.Delivered == data["delivered"]!.GetValue<long>(), $"{context}: delivered {data["delivered"]} expected {expected.Delivered}");
        Assert.True(expected.Failed == data["failed"]!.GetValue<long>(), $"{context}: failed");
        Assert.True(expected.Pending == data["pending"]!.GetValue<long>(), $"{context}: pending");
        Assert.True(expected.Events == data["events"]!.GetValue<long>(), $"{context}: events {data["events"]} expected {expected.Events}");
        Assert.Equal(expected.Total == 0 ? 0 : Math.Round(expected.Delivered * 100.0 / expected.Total, 4), data["delivery_rate_percent"]!.GetValue<double>(), 3);
        Assert.Equal(expected.Total == 0 ? 0 : Math.Round(expected.Failed * 100.0 / expected.Total, 4), data["failure_rate_percent"]!.GetValue<double>(), 3);
        Assert.True(Math.Abs(expected.Cost - data["cost"]!.GetValue<double>()) <= 2e-6, $"{context}: cost {data["cost"]} vs {expected.Cost}");
        var breakdown = data["status_breakdown"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<long>());
        Assert.Equal(expected.StatusBreakdown.OrderBy(kv => kv.Key), breakdown.OrderBy(kv => kv.Key));

        var latency = data["latency_seconds"];
        if (expected.LatenciesMs.Count == 0)
        {
            Assert.Null(latency);
            return;
        }
        Assert.NotNull(latency);
        double avg = expected.LatenciesMs.Average() / 1000;
        Assert.True(Math.Abs(avg - latency!["avg"]!.GetValue<double>()) <= 2e-6, $"{context}: avg {latency["avg"]} vs exact {avg}");
        foreach (var (name, p) in new[] { ("p50", 50.0), ("p75", 75.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0) })
        {
            double exact = ReferenceModel.Percentile(expected.LatenciesMs, p) / 1000;
            double actual = latency[name]!.GetValue<double>();
            Assert.True(Math.Abs(actual - exact) <= exact * 0.02 + 1e-6, $"{context}: {name} {actual} vs exact {exact}");
        }
    }

    private static Dictionary<string, string> RandomFilter(Random rnd, ReferenceModel model)
    {
        var filter = new Dictionary<string, string>();
        int n = rnd.Next(3);
        var items = model.Items.Values.ToList();
        for (int k = 0; k < n; k++)
        {
            string dim = FilterDimensions[rnd.Next(FilterDimensions.Length)];
            var value = ReferenceModel.DimensionOf(items[rnd.Next(items.Count)], dim);
            if (value is not null) filter[dim] = value;
        }
        return filter;
    }

    private static string FilterQuery(Dictionary<string, string> filter) =>
        string.Concat(filter.Select(f => $"&{f.Key}={Uri.EscapeDataString(f.Value)}"));

    private static long Minute(long ms) => ms - ((ms % 60_000) + 60_000) % 60_000;

    private static string Ts(long ms) => Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    internal static List<Dictionary<string, object>> ToJson(List<TestEvent> events) => events.Select(e =>
    {
        var d = new Dictionary<string, object> { ["item_id"] = e.ItemId, ["status"] = e.Status, ["occurred_at"] = DateTimeOffset.FromUnixTimeMilliseconds(e.OccurredMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) };
        void Put(string k, object? v)
        {
            if (v is not null) d[k] = v;
        }
        Put("event_id", e.EventId);
        Put("kind", e.Kind);
        Put("account", e.Account);
        Put("channel", e.Channel);
        Put("provider", e.Provider);
        Put("route", e.Route);
        Put("campaign", e.Campaign);
        Put("country", e.Country);
        Put("recipient", e.Recipient);
        Put("direction", e.Direction);
        Put("agent", e.Agent);
        Put("template", e.Template);
        Put("cost", e.Cost);
        Put("error_code", e.ErrorCode);
        return d;
    }).ToList();
}
