using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Analytics.Failures;
using Herald.Tests.Oracle;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Failures;

/// <summary>
/// <c>/api/v1/failures</c> against a brute-force recomputation from the raw events posted: randomized streams with
/// error codes (known, unknown, none), duplicates (some with a different code: the first copy wins), out-of-order
/// callbacks, provider callbacks that only name the item (so dimensions come from the item, learned late), items
/// that live only in the writer's pending overlay, and a restart that leaves items stored but stale.
/// </summary>
public sealed class FailureAnalysisOracleTests
{
    private static readonly string[] Teams = ["fail-a", "fail-b"];
    private static readonly string[] Providers = ["twilio", "meta-whatsapp", "smpp-eu", "sendgrid", "vonage"];
    private static readonly string[] Countries = ["US", "GB", "DE", "NG"];
    private static readonly string[] Campaigns = ["black-friday", "welcome", "otp-login"];
    private static readonly string[] Kinds = ["message", "message", "otp", "call", "parcel"];
    private static readonly Dictionary<string, string[]> CodesOf = new()
    {
        ["twilio"] = ["21211", "21614", "30001", "30003", "30007", "30008", "21610", "99999"],
        ["meta-whatsapp"] = ["131026", "131047", "131048", "130429", "368", "424242"],
        ["smpp-eu"] = ["UNDELIV:001", "REJECTD:0B", "EXPIRED", "DELETED", "UNKNOWN:77"],
        ["sendgrid"] = ["5.1.1", "5.2.2", "550", "bounced_address", "5.7.1", "new_reason"],
        ["vonage"] = ["X-17", "21211", "5.1.1", "weird"],
    };
    private static readonly HashSet<string> FailureStatuses = ["failed", "undelivered", "expired", "busy", "no-answer", "canceled", "cancelled"];

    // The analysed window is [T0 + 2h, T0 + 4h); the previous one [T0, T0 + 2h); events also fall outside both.
    private static readonly long T0 = new DateTimeOffset(2026, 9, 20, 6, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Hour = 3_600_000;

    private sealed record Sent(TestEvent Event, string? Code);

    [Theory]
    [InlineData(31, 3_600_000, false)] // every item only in the pending overlay
    [InlineData(32, 3_600_000, true)]  // first half stored by the restart, later callbacks pending on top of stale rows
    [InlineData(33, 15, false)]        // flushed all the time
    [InlineData(32, 3_600_000, true, TestStores.Postgres)]
    [InlineData(33, 15, false, TestStores.Postgres)]
    public async Task Failures_equal_a_recomputation_from_raw_events(int seed, int flushMs, bool restartMidway, string provider = TestStores.Sqlite)
    {
        var settings = TestStores.Settings(provider, "failures");
        settings["Herald:Writer:FlushInterval"] = TimeSpan.FromMilliseconds(flushMs).ToString();
        await using var server = await HeraldServer.StartAsync(settings);
        var rnd = new Random(seed);
        var (keys, teamIds, oracle) = await FillAsync(server, seed, rnd, Generate(rnd, items: 900, T0 - Hour / 2, (long)(4.8 * Hour), [T0 + 2 * Hour]), restartMidway);

        long from = T0 + 2 * Hour, to = T0 + 4 * Hour;
        foreach (var team in Teams)
        {
            using var client = server.Client(keys[team]);
            await Check(client, oracle, [team], from, to, new(), "");
            await Check(client, oracle, [team], from, to, new() { ["kind"] = "otp" }, "");
            await Check(client, oracle, [team], from, to, new() { ["provider"] = "twilio" }, "");
            await Check(client, oracle, [team], from, to, new() { ["country"] = "GB", ["campaign"] = "welcome" }, "");
            await Check(client, oracle, [team], T0 + 3 * Hour + 17 * 60_000, to, new() { ["provider"] = "sendgrid,smpp-eu" }, "");
            await Check(client, oracle, [team], from, to, new() { ["agent"] = "agt-1" }, "");
            // Ends 50 minutes into an hour after the last event, as a window that ends now does; its previous window starts
            // 10 minutes after an hour before the first: both partial hours are quiet outside the window, so read from cells.
            await Check(client, oracle, [team], from, T0 + 4 * Hour + 50 * 60_000, new(), "");
            await Check(client, oracle, [team], from, T0 + 4 * Hour + 50 * 60_000, new() { ["provider"] = "twilio" }, "");
        }
        // The admin key: one team by name, then every team together.
        await Check(server.Admin, oracle, ["fail-b"], from, to, new(), $"&team={teamIds["fail-b"]}");
        await Check(server.Admin, oracle, Teams, from, to, new(), "");
        await Check(server.Admin, oracle, Teams, T0 + Hour, T0 + Hour + 30 * 60_000, new() { ["channel"] = "sms" }, "");
    }

    /// <summary>
    /// Posts the stream in random chunks (each chunk one team's), restarting the server halfway when asked; answers the
    /// teams' keys and ids and the brute-force oracle of what was accepted.
    /// </summary>
    private static async Task<(Dictionary<string, string> Keys, Dictionary<string, string> TeamIds, Oracle Oracle)> FillAsync(
        HeraldServer server, int seed, Random rnd, List<Sent> stream, bool restartMidway)
    {
        var keys = new Dictionary<string, string>();
        var teamIds = new Dictionary<string, string>();
        foreach (var name in Teams)
        {
            var (id, key) = await server.CreateTeamAsync($"{name}-{seed}");
            keys[name] = key;
            teamIds[name] = id;
        }
        var model = new ReferenceModel();
        var codes = new Dictionary<(string Team, string Key), string?>();
        int i = 0;
        bool restarted = false;
        while (i < stream.Count)
        {
            if (restartMidway && !restarted && i > stream.Count / 2)
            {
                await server.RestartAsync();
                restarted = true;
            }
            string team = stream[i].Event.Team;
            var chunk = new List<Sent>();
            int size = 1 + rnd.Next(120);
            while (i < stream.Count && chunk.Count < size && stream[i].Event.Team == team) chunk.Add(stream[i++]);
            int expectedAccepted = 0;
            foreach (var s in chunk)
            {
                if (model.Apply(s.Event) != "accepted") continue;
                expectedAccepted++;
                codes[(team, s.Event.EventId ?? $"{s.Event.ItemId}|{s.Event.Status}|{s.Event.OccurredMs}")] = s.Code;
            }
            using var client = server.Client(keys[team]);
            var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(ToJson(chunk)));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal(expectedAccepted, (await HeraldServer.ReadData(response))["accepted"]!.GetValue<int>());
        }
        return (keys, teamIds, new Oracle(model, codes));
    }

    // A stream over ten weeks, so windows cover whole days and months: from 2026-08-28 06:00 to about 2026-11-06.
    private static readonly long LongStart = new DateTimeOffset(2026, 8, 28, 6, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Day = 24 * Hour, Minute = 60_000;

    /// <summary>Windows over the failure cells' hours, days and months, with ragged edges (minutes, and milliseconds from C#).</summary>
    private static readonly (long From, long To)[] LongWindows =
    [
        (LongStart + 4 * Day, LongStart + 6 * Day),                                      // whole hours and days
        (LongStart + 3 * Day + 7 * Hour + 13 * Minute, LongStart + 9 * Day + 41 * Minute), // ragged at both ends
        (Utc(2026, 8, 30, 10, 17), Utc(2026, 11, 3, 2, 44)),                              // September and October whole: month cells
        (LongStart + 20 * Day + 5 * Minute, LongStart + 20 * Day + 50 * Minute),             // inside one hour: raw events only
        (LongStart + 30 * Day + 59 * Minute, LongStart + 31 * Day + 61 * Minute),            // one day and two minutes
    ];

    [Theory]
    [InlineData(41, 3_600_000)] // everything in the pending overlay
    [InlineData(42, 15)]        // flushed all the time
    [InlineData(42, 15, TestStores.Postgres)]
    public async Task Failures_over_hours_days_and_months_equal_a_recomputation(int seed, int flushMs, string provider = TestStores.Sqlite)
    {
        var settings = TestStores.Settings(provider, "failures");
        settings["Herald:Writer:FlushInterval"] = TimeSpan.FromMilliseconds(flushMs).ToString();
        await using var server = await HeraldServer.StartAsync(settings);
        var rnd = new Random(seed);
        var stream = Generate(rnd, items: 1200, LongStart, 70 * Day, LongWindows.SelectMany(w => new[] { w.From, w.To }).ToArray());
        var (keys, teamIds, oracle) = await FillAsync(server, seed, rnd, stream, restartMidway: false);
        await CheckLongWindows(server, keys, teamIds, oracle);
    }

    /// <summary>
    /// A store filled before migration 13 (here: its failure cells dropped by migrating down to 12 while the server is
    /// stopped) upgrades in place: the migration backfills the cells from the raw events, and every answer is the same.
    /// </summary>
    [Fact]
    public async Task Failures_of_a_store_filled_before_migration_13_come_from_the_backfilled_cells()
    {
        await using var server = await HeraldServer.StartAsync(new Dictionary<string, string?>
        {
            ["Herald:Writer:FlushInterval"] = TimeSpan.FromMilliseconds(50).ToString(),
        });
        var rnd = new Random(43);
        var stream = Generate(rnd, items: 1200, LongStart, 70 * Day, LongWindows.SelectMany(w => new[] { w.From, w.To }).ToArray());
        var (keys, teamIds, oracle) = await FillAsync(server, 43, rnd, stream, restartMidway: false);
        long cellsBefore = 0, cellsAfter = 0;
        await server.RestartAsync(whileStopped: () =>
        {
            using var store = new Herald.Storage.Sqlite.SqliteStore(Path.Combine(server.DataDir, "herald.db"));
            cellsBefore = CountFailureCells(store);
            Assert.Contains(store.MigrateDown(12), m => m.Version == 13);
            Assert.Contains(store.MigrateUp(), m => m.Version == 13);
            cellsAfter = CountFailureCells(store);
        });
        Assert.True(cellsBefore > 0);
        // The writer leaves cells that moved away at zero; the backfill only creates cells that count.
        Assert.True(cellsAfter > 0 && cellsAfter <= cellsBefore, $"{cellsAfter} cells backfilled, {cellsBefore} written");
        await CheckLongWindows(server, keys, teamIds, oracle);
    }

    private static long CountFailureCells(Herald.Storage.Sqlite.SqliteStore store) =>
        store.DatabaseStats().Tables.Single(t => t.Name == "failure_cells").Rows;

    private static async Task CheckLongWindows(HeraldServer server, Dictionary<string, string> keys, Dictionary<string, string> teamIds, Oracle oracle)
    {
        foreach (var (from, to) in LongWindows)
        {
            foreach (var team in Teams)
            {
                using var client = server.Client(keys[team]);
                await Check(client, oracle, [team], from, to, new(), "");
                await Check(client, oracle, [team], from, to, new() { ["provider"] = "twilio" }, "");
                await Check(client, oracle, [team], from, to, new() { ["kind"] = "message", ["country"] = "GB,DE" }, "");
            }
            await Check(server.Admin, oracle, Teams, from, to, new() { ["campaign"] = "welcome" }, "");
        }
        // Windows with edges inside a minute, straight through the engine (the API takes whole minutes).
        var analysis = server.Services.GetRequiredService<FailureAnalysis>();
        var directory = server.Services.GetRequiredService<Herald.Tenancy.TeamDirectory>();
        var ids = Teams.Select(n => directory.ByPublicIdOrName(teamIds[n])!.Id).ToList();
        foreach (var (from, to) in LongWindows)
        {
            long f = from + 17_123, t = to - 2_345;
            var report = analysis.Analyze(ids, f, t, limit: 100);
            var current = oracle.Failures(Teams, f, t, new());
            var previous = oracle.Failures(Teams, f - (t - f), f, new());
            Assert.Equal(current.Count, report.Total);
            Assert.Equal(previous.Count, report.PreviousTotal);
            foreach (var code in report.ByCode)
            {
                Assert.Equal(current.Count(x => x.Class.Code == code.Class.Code && x.Class.Family == code.Class.Family), code.Count);
                Assert.Equal(previous.Count(x => x.Class.Code == code.Class.Code && x.Class.Family == code.Class.Family), code.PreviousCount);
            }
        }
    }

    private static long Utc(int year, int month, int day, int hour, int minute) =>
        new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>
    /// Queries racing ingest and flushes: every answer attributes every failure to its item's dimensions (the callbacks
    /// carry none), and totals only grow until they reach the whole stream.
    /// </summary>
    [Fact]
    public async Task Failures_stay_attributed_while_the_writer_flushes()
    {
        await using var server = await HeraldServer.StartAsync(new Dictionary<string, string?>
        {
            ["Herald:Writer:FlushInterval"] = TimeSpan.FromMilliseconds(3).ToString(),
        });
        var (_, key) = await server.CreateTeamAsync("fail-race");
        long from = T0, to = T0 + 4 * Hour;
        string url = $"/api/v1/failures?from={Ts(from)}&to={Ts(to)}&limit=100";
        const int Requests = 60, ItemsPerRequest = 40;
        var ingest = Task.Run(async () =>
        {
            using var client = server.Client(key);
            var rnd = new Random(7);
            for (int r = 0; r < Requests; r++)
            {
                var chunk = new List<Sent>();
                for (int k = 0; k < ItemsPerRequest; k++)
                {
                    int n = r * ItemsPerRequest + k;
                    long at = T0 + rnd.Next((int)(3 * Hour));
                    // The app's report in this request; the provider's failure callback here or in the next request.
                    chunk.Add(new Sent(new TestEvent("fail-race", $"race-{n}", "sent", at, Kind: "message", Provider: "twilio", Campaign: "spring", Country: "US"), null));
                    if (r > 0) chunk.Add(new Sent(new TestEvent("fail-race", $"race-{n - ItemsPerRequest}", "failed", at + 1000), "30003"));
                }
                var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(ToJson(chunk)));
                Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            }
        });
        using var reader = server.Client(key);
        long last = 0;
        int queries = 0;
        while (!ingest.IsCompleted || queries == 0)
        {
            var data = await HeraldServer.ReadData(await reader.GetAsync(url));
            long total = data["total_failures"]!.GetValue<long>();
            Assert.True(total >= last, $"total went from {last} to {total}");
            last = total;
            foreach (var name in new[] { "by_campaign", "by_country", "by_provider" })
            {
                var rows = data[name]!.AsArray();
                Assert.True(total == 0 || rows.Count == 1 && rows[0]!["count"]!.GetValue<long>() == total, $"{name}: {rows.ToJsonString()} of {total}");
            }
            queries++;
        }
        await ingest;
        var final = await HeraldServer.ReadData(await reader.GetAsync(url));
        Assert.Equal((Requests - 1) * ItemsPerRequest, final["total_failures"]!.GetValue<long>());
        Assert.True(queries > 3, $"only {queries} queries raced the ingest");
    }

    private static async Task Check(HttpClient client, Oracle oracle, string[] teams, long from, long to, Dictionary<string, string> filter, string extra)
    {
        string url = $"/api/v1/failures?from={Ts(from)}&to={Ts(to)}&limit=100" +
                     string.Concat(filter.Select(f => $"&{f.Key}={Uri.EscapeDataString(f.Value)}")) + extra;
        var response = await client.GetAsync(url);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, url + " -> " + text);
        var data = JsonNode.Parse(text)!["data"]!;

        long previousFrom = from - (to - from);
        var current = oracle.Failures(teams, from, to, filter);
        var previous = oracle.Failures(teams, previousFrom, from, filter);
        Assert.True(current.Count > 0 || filter.Count > 0, $"{url}: the stream has no failures in the window");

        Assert.True(current.Count == data["total_failures"]!.GetValue<long>(), $"{url}: total {data["total_failures"]} expected {current.Count}");
        Assert.Equal(previous.Count, data["previous_total_failures"]!.GetValue<long>());
        var trend = FailureTrend.Of(current.Count, previous.Count);
        Assert.Equal(trend.Trend, data["trend"]!.GetValue<string>());
        Assert.Equal(trend.Trend, data["error_analysis"]!["error_trends"]!["trend"]!.GetValue<string>());
        Assert.Equal(current.Count, data["error_analysis"]!["error_trends"]!["last_window"]!.GetValue<long>());
        Assert.Equal(previous.Count, data["error_analysis"]!["error_trends"]!["previous_window"]!.GetValue<long>());
        Assert.Equal(Ts(previousFrom), data["previous_window"]!["from"]!.GetValue<string>());

        AssertRows(url, "by_code", data["by_code"]!, r => $"{r["provider_family"]}|{r["code"]}",
            current.GroupBy(f => $"{f.Class.Family}|{f.Class.Code}"), previous.GroupBy(f => $"{f.Class.Family}|{f.Class.Code}"));
        AssertRows(url, "by_category", data["by_category"]!, r => r["category"]!.GetValue<string>(),
            current.GroupBy(f => f.Class.Category), previous.GroupBy(f => f.Class.Category), everyKey: FailureCategories.All);
        AssertRows(url, "by_group", data["by_group"]!, r => r["group"]!.GetValue<string>(),
            current.GroupBy(f => f.Class.Group), previous.GroupBy(f => f.Class.Group), everyKey: FailureCategories.Groups);
        AssertRows(url, "by_provider", data["by_provider"]!, r => r["provider"]?.GetValue<string>(),
            current.GroupBy(f => Dim(f.Item, "provider")), previous.GroupBy(f => Dim(f.Item, "provider")));
        AssertRows(url, "by_country", data["by_country"]!, r => r["country"]?.GetValue<string>(),
            current.GroupBy(f => Dim(f.Item, "country")), previous.GroupBy(f => Dim(f.Item, "country")));
        AssertRows(url, "by_campaign", data["by_campaign"]!, r => r["campaign"]?.GetValue<string>(),
            current.GroupBy(f => Dim(f.Item, "campaign")), previous.GroupBy(f => Dim(f.Item, "campaign")));

        Assert.Equal(current.Count(f => f.Class.Code == "unknown"), data["without_code"]!.GetValue<long>());
        Assert.Equal(current.Count(f => !f.Class.Known && f.Class.Code != "unknown"), data["unknown_codes"]!.GetValue<long>());

        // The seed's shape: error_breakdown keyed by code (codes of one family here are distinct across families, except
        // ones the test shares on purpose, which come as family:code), top_error_countries.
        var breakdown = data["error_analysis"]!["error_breakdown"]!.AsObject();
        Assert.Equal(current.Select(f => (f.Class.Family, f.Class.Code)).Distinct().Count(), breakdown.Count);
        foreach (var (key, value) in breakdown)
        {
            string code = key.Contains(':') && FailureCatalog.Families.Contains(key[..key.IndexOf(':')]) || key.StartsWith("unknown:", StringComparison.Ordinal)
                ? key[(key.IndexOf(':') + 1)..] : key;
            string family = value!["provider_family"]!.GetValue<string>();
            long expected = current.Count(f => f.Class.Code == code && f.Class.Family == family);
            Assert.True(expected == value["count"]!.GetValue<long>(), $"{url}: error_breakdown[{key}] {value["count"]} expected {expected}");
            Assert.Equal(Math.Round(expected * 100.0 / current.Count, 2), value["percentage"]!.GetValue<double>(), 6);
            Assert.False(string.IsNullOrEmpty(value["description"]!.GetValue<string>()));
            Assert.False(string.IsNullOrEmpty(value["resolution"]!.GetValue<string>()));
        }
        var countries = data["error_analysis"]!["top_error_countries"]!.AsArray();
        long previousCount = long.MaxValue;
        foreach (var c in countries)
        {
            long n = c!["error_count"]!.GetValue<long>();
            Assert.True(n <= previousCount, "top_error_countries sorted by count");
            previousCount = n;
            Assert.Equal(current.Count(f => Dim(f.Item, "country") == c["country"]?.GetValue<string>()), n);
        }
    }

    private static void AssertRows(string url, string name, JsonNode rows, Func<JsonNode, string?> keyOf,
        IEnumerable<IGrouping<string?, Failure>> current, IEnumerable<IGrouping<string?, Failure>> previous, string[]? everyKey = null)
    {
        var expected = new Dictionary<string, (long Current, long Previous)>();
        foreach (var g in current) expected[g.Key ?? "<null>"] = (g.Count(), 0);
        foreach (var g in previous) expected[g.Key ?? "<null>"] = (expected.GetValueOrDefault(g.Key ?? "<null>").Current, g.Count());
        if (everyKey is not null)
            foreach (var k in everyKey) expected.TryAdd(k, (0, 0));
        var actual = new Dictionary<string, (long, long)>();
        long last = long.MaxValue;
        foreach (var row in rows.AsArray())
        {
            string key = keyOf(row!) ?? "<null>";
            long count = row!["count"]!.GetValue<long>();
            Assert.True(count <= last, $"{url}: {name} is not sorted by count");
            last = count;
            Assert.True(actual.TryAdd(key, (count, row["previous_count"]!.GetValue<long>())), $"{url}: {name} has {key} twice");
        }
        foreach (var (key, want) in expected.OrderBy(p => p.Key))
        {
            Assert.True(actual.TryGetValue(key, out var got), $"{url}: {name} lacks {key} (expected {want})");
            Assert.True(want == got, $"{url}: {name}[{key}] = {got}, expected {want}");
        }
        Assert.Equal(expected.Count, actual.Count);
    }

    private sealed record Failure(ReferenceModel.Item Item, FailureClass Class);

    /// <summary>The brute force: every accepted event of every item, judged against the item's final dimensions.</summary>
    private sealed class Oracle(ReferenceModel model, Dictionary<(string Team, string Key), string?> codes)
    {
        public List<Failure> Failures(string[] teams, long from, long to, Dictionary<string, string> filter)
        {
            var list = new List<Failure>();
            foreach (var item in model.Items.Values)
            {
                if (!teams.Contains(item.Team)) continue;
                if (!filter.All(f => f.Value.Split(',').Contains(ReferenceModel.DimensionOf(item, f.Key)))) continue;
                foreach (var e in item.Events)
                {
                    if (e.OccurredMs < from || e.OccurredMs >= to) continue;
                    string? code = codes[(item.Team, e.EventId ?? $"{e.ItemId}|{e.Status}|{e.OccurredMs}")];
                    if (code is null && !FailureStatuses.Contains(e.Status)) continue;
                    list.Add(new Failure(item, FailureCatalog.Classify(Dim(item, "provider"), code)));
                }
            }
            return list;
        }
    }

    private static string? Dim(ReferenceModel.Item item, string d) => ReferenceModel.DimensionOf(item, d);

    /// <summary>Items whose first event falls in [start, start + span), some events exactly on (or a millisecond before) an edge.</summary>
    private static List<Sent> Generate(Random rnd, int items, long start, long span, long[] edges)
    {
        var stream = new List<Sent>();
        int seq = 0;
        // Agents from a generator of their own, so the rest of the stream (and the windows it fills) stays as it was.
        var agents = new Random(items);
        for (int n = 0; n < items; n++)
        {
            string team = Teams[rnd.Next(Teams.Length)];
            string kind = Kinds[rnd.Next(Kinds.Length)];
            string itemId = $"f-{n % (items / 2)}"; // the same ids in both teams
            string provider = Providers[rnd.Next(Providers.Length)];
            string? country = rnd.Next(5) == 0 ? null : Countries[rnd.Next(Countries.Length)];
            string campaign = Campaigns[rnd.Next(Campaigns.Length)];
            // A parcel's agent often arrives late (on a callback), moving the item's failures to its new dimension set.
            string agent = $"agt-{agents.Next(3)}";
            string channel = provider switch { "sendgrid" => "email", "meta-whatsapp" => "whatsapp", _ => kind == "call" ? "voice" : "sms" };
            var statuses = ReferenceModel.Lattices[kind].Keys.ToArray();
            var failures = statuses.Where(FailureStatuses.Contains).ToArray();
            long earliest = start + (long)(rnd.NextDouble() * span);
            int count = 1 + rnd.Next(4);
            var itemEvents = new List<Sent>();
            var usedTimes = new HashSet<long>();
            for (int k = 0; k < count; k++)
            {
                bool fail = rnd.NextDouble() < 0.55;
                string status = fail ? failures[rnd.Next(failures.Length)] : statuses[rnd.Next(statuses.Length)];
                long at;
                do
                {
                    at = k == 0 ? earliest : earliest + (long)(rnd.NextDouble() * 1.5 * Hour) - (rnd.Next(8) == 0 ? Hour / 3 : 0);
                    if (rnd.Next(40) == 0) at = edges[rnd.Next(edges.Length)] - rnd.Next(2); // on a window edge
                } while (!usedTimes.Add(at));
                string? code = null;
                double r = rnd.NextDouble();
                if (FailureStatuses.Contains(status)) code = r < 0.75 ? CodesOf[provider][rnd.Next(CodesOf[provider].Length)] : null;
                else if (r < 0.08) code = CodesOf[provider][rnd.Next(CodesOf[provider].Length)]; // an error code on a non-failure status
                // The app's first report carries the dimensions; provider callbacks mostly only name the item
                // (sometimes they fill a dimension late, or are the first event to arrive at all).
                bool app = k == 0 ? rnd.NextDouble() < 0.8 : rnd.NextDouble() < 0.15;
                var e = new TestEvent(team, itemId, status, at,
                    EventId: rnd.NextDouble() < 0.7 ? $"fe{seq++}" : null,
                    Kind: app || rnd.Next(3) == 0 ? kind : null,
                    Account: app ? "acct" : null,
                    Channel: app ? channel : null,
                    Provider: app || rnd.Next(4) == 0 ? provider : null,
                    Campaign: app ? campaign : null,
                    Country: app ? country : null,
                    Agent: kind == "parcel" && (app ? agents.Next(2) == 0 : agents.Next(3) == 0) ? agent : null);
                itemEvents.Add(new Sent(e, code));
            }
            if (rnd.Next(3) == 0) itemEvents.Reverse(); // callbacks out of order
            stream.AddRange(itemEvents);
        }
        for (int i = 0; i < stream.Count; i++)
        {
            int j = Math.Min(stream.Count - 1, i + rnd.Next(15));
            (stream[i], stream[j]) = (stream[j], stream[i]);
        }
        int duplicates = stream.Count / 10;
        for (int d = 0; d < duplicates; d++)
        {
            var original = stream[rnd.Next(stream.Count)];
            // A resend, sometimes with another code: the first accepted copy's code is the one that counts.
            var copy = rnd.Next(4) == 0 ? original with { Code = "21211" } : original;
            stream.Insert(rnd.Next(stream.Count), copy);
        }
        return stream;
    }

    private static string ToJson(List<Sent> chunk)
    {
        var array = new JsonArray();
        foreach (var (e, code) in chunk)
        {
            var o = new JsonObject
            {
                ["item_id"] = e.ItemId,
                ["status"] = e.Status,
                ["occurred_at"] = DateTimeOffset.FromUnixTimeMilliseconds(e.OccurredMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            };
            if (e.EventId is not null) o["event_id"] = e.EventId;
            if (e.Kind is not null) o["kind"] = e.Kind;
            if (e.Account is not null) o["account"] = e.Account;
            if (e.Channel is not null) o["channel"] = e.Channel;
            if (e.Provider is not null) o["provider"] = e.Provider;
            if (e.Campaign is not null) o["campaign"] = e.Campaign;
            if (e.Country is not null) o["country"] = e.Country;
            if (e.Agent is not null) o["agent"] = e.Agent;
            if (code is not null)
            {
                o["error_code"] = code;
                o["error_message"] = "provider said " + code;
            }
            array.Add(o);
        }
        return array.ToJsonString();
    }

    private static string Ts(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
