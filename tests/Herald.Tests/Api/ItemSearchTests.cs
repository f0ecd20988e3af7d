using System.Net;
using Herald.Tests.Oracle;
using Herald.Tests.Support;
using static Herald.Tests.Api.ItemSearchKit;

namespace Herald.Tests.Api;

/// <summary>
/// <c>GET /api/v1/items</c> over real HTTP against a brute-force list from the posted events: every filter, windows, paging,
/// items the writer has not flushed yet, paging while ingest runs, team isolation and bad parameters.
/// </summary>
public sealed class ItemSearchTests(SharedServer shared) : IClassFixture<SharedServer>
{
    /// <summary>
    /// A random stream (duplicates, callbacks out of order, dimensions learned late, earlier events arriving late) over two
    /// teams, written by a writer that flushes only when 150 items are pending and keeps 300 in memory: searches read stored
    /// rows, rows the overlay supersedes and items never stored yet, and must answer what the model answers; again after a restart.
    /// </summary>
    [Fact]
    public async Task Search_answers_what_a_recomputation_from_the_posted_events_answers()
    {
        await using var server = await HeraldServer.StartAsync(new Dictionary<string, string?>
        {
            ["Herald:Writer:FlushInterval"] = "01:00:00",
            ["Herald:Writer:MaxPendingItems"] = "150",
            ["Herald:Writer:ItemCacheCapacity"] = "300",
        });
        string[] teams = ["a", "b"];
        var keys = new Dictionary<string, string>();
        var teamIds = new Dictionary<string, string>();
        foreach (var t in teams) (teamIds[t], keys[t]) = await server.CreateTeamAsync($"search-{t}");
        var model = new ReferenceModel();
        await PostAsync(server, model, keys, Stream(21, teams, 1400), 21);

        long from = Kit.Day.ToUnixTimeMilliseconds(), to = Kit.Day.AddDays(1).ToUnixTimeMilliseconds();
        var a = server.Client(keys["a"]);

        async Task Check(string filters, Func<ReferenceModel.Item, bool>? where, long f = 0, long t = 0, int limit = 97, bool rows = false)
        {
            f = f == 0 ? from : f;
            t = t == 0 ? to : t;
            var want = Expected(model, "a", f, t, where);
            var got = await AllPagesAsync(a, Query(f, t) + filters, limit);
            Assert.True(want.Count == got.Count, $"{filters}: {got.Count} items, expected {want.Count}");
            var wantKeys = want.Select(i => (Time(i.Earliest), i.Id)).OrderByDescending(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Id, StringComparer.Ordinal).ToList();
            var gotKeys = got.Select(i => (S(i, "earliest_at")!, S(i, "item_id")!)).OrderByDescending(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal).ToList();
            Assert.Equal(wantKeys, gotKeys);
            if (!rows) return;
            var byId = want.ToDictionary(i => i.Id);
            foreach (var row in got) AssertRow(byId[S(row, "item_id")!], teamIds["a"], row);
        }

        async Task CheckAll()
        {
            Assert.True(Expected(model, "a", from, to).Count > 300, "too few items for a test");
            await Check("", null, rows: true);
            await Check("", null, limit: 1000);
            await Check("&status=failed,undelivered", i => i.Status is "failed" or "undelivered");
            await Check("&kind=otp,call", i => i.Kind is "otp" or "call");
            await Check("&channel=sms,email", i => ReferenceModel.DimensionOf(i, "channel") is "sms" or "email");
            await Check("&provider=twilio,meta", i => ReferenceModel.DimensionOf(i, "provider") is "twilio" or "meta");
            await Check("&campaign=welcome", i => ReferenceModel.DimensionOf(i, "campaign") == "welcome");
            await Check("&country=gb,DE", i => ReferenceModel.DimensionOf(i, "country") is "GB" or "DE");
            await Check("&account=a-acct1", i => ReferenceModel.DimensionOf(i, "account") == "a-acct1");
            await Check("&route=direct&direction=inbound", i => ReferenceModel.DimensionOf(i, "route") == "direct" && ReferenceModel.DimensionOf(i, "direction") == "inbound");
            await Check("&recipient=%2B447700900123,%2B14155550100", i => i.Recipient is "+447700900123" or "+14155550100");
            await Check("&error_code=30007,21211", i => i.StatusEvent.ErrorCode is "30007" or "21211");
            await Check("&status=failed,undelivered,busy&provider=twilio,vonage", i => i.Status is "failed" or "undelivered" or "busy"
                && ReferenceModel.DimensionOf(i, "provider") is "twilio" or "vonage", limit: 7);
            // A window of ragged minutes within the day.
            long f = Kit.Day.AddHours(5).AddMinutes(17).ToUnixTimeMilliseconds(), t = Kit.Day.AddHours(13).AddMinutes(41).ToUnixTimeMilliseconds();
            await Check("", null, f, t);
            await Check("&channel=whatsapp", i => ReferenceModel.DimensionOf(i, "channel") == "whatsapp", f, t, limit: 3);
        }

        await CheckAll();
        await server.RestartAsync();
        a.Dispose();
        a = server.Client(keys["a"]); // the restarted server listens on a new port
        await CheckAll();
        a.Dispose();
    }

    /// <summary>
    /// Paging through a window with a small page while new items arrive in it (earlier and later than the page being read)
    /// and existing items change status: every item that existed before the first page comes exactly once, and no item twice.
    /// </summary>
    [Fact]
    public async Task Paging_while_ingest_runs_yields_every_earlier_item_once()
    {
        var (_, client) = await shared.NewTeamAsync();
        var start = Kit.Day.AddHours(2);
        var before = Enumerable.Range(0, 600).Select(i => Kit.Event($"old-{i}", "sent", Kit.Format(start.AddSeconds(i * 97)), provider: "twilio", channel: "sms")).ToArray();
        await Kit.Ingest(client, before);
        var existing = before.Select((_, i) => $"old-{i}").ToHashSet();
        string window = Query(Kit.Day.ToUnixTimeMilliseconds(), Kit.Day.AddDays(1).ToUnixTimeMilliseconds());

        using var stop = new CancellationTokenSource();
        int posted = 0;
        var ingest = Task.Run(async () =>
        {
            var rnd = new Random(3);
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                var batch = new List<object>();
                for (int k = 0; k < 20; k++)
                {
                    // New items anywhere in the window, and later statuses of existing ones.
                    batch.Add(Kit.Event($"new-{n}-{k}", "sent", Kit.Format(start.AddSeconds(rnd.Next(0, 600 * 97))), provider: "vonage"));
                    int old = rnd.Next(600);
                    batch.Add(Kit.Event($"old-{old}", rnd.Next(2) == 0 ? "delivered" : "failed", Kit.Format(start.AddSeconds(old * 97 + 5 + n % 50))));
                }
                await Kit.Ingest(client, batch);
                Interlocked.Increment(ref posted);
                await Task.Delay(15);
            }
        });
        try
        {
            var seen = new Dictionary<string, int>();
            string? cursor = null;
            int pages = 0, postedBefore = 0;
            while (true)
            {
                var page = await Kit.GetData(client, $"/api/v1/items?{window}&limit=13" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
                foreach (var item in page["items"]!.AsArray()) seen[S(item!, "item_id")!] = seen.GetValueOrDefault(S(item!, "item_id")!) + 1;
                pages++;
                cursor = page["next_cursor"]?.GetValue<string>();
                if (cursor is null) break;
                // At least one more batch lands between two pages, however fast the pages come on a busy machine.
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (Volatile.Read(ref posted) == postedBefore && DateTime.UtcNow < deadline) await Task.Delay(5);
                Assert.True(Volatile.Read(ref posted) > postedBefore, $"no batch was posted in 30 s after page {pages}");
                postedBefore = Volatile.Read(ref posted);
            }
            Assert.DoesNotContain(seen, s => s.Value > 1);
            Assert.DoesNotContain(existing, id => !seen.ContainsKey(id));
        }
        finally
        {
            stop.Cancel();
            await ingest;
        }
    }

    /// <summary>A team key lists its own team's items only, and may not name another team; an admin key names one, or reads every team.</summary>
    [Fact]
    public async Task A_team_sees_only_its_own_items()
    {
        var (teamA, a) = await shared.NewTeamAsync();
        var (teamB, b) = await shared.NewTeamAsync();
        string campaign = "iso-" + Guid.NewGuid().ToString("n")[..8];
        object Ev(string id, string recipient, double minutes) => new Dictionary<string, object>
        {
            ["item_id"] = id, ["status"] = "sent", ["occurred_at"] = Kit.At(minutes), ["campaign"] = campaign, ["recipient"] = recipient, ["provider"] = "twilio",
        };
        await Kit.Ingest(a, new[] { Ev("same-1", "+447700900001", 60), Ev("a-only", "+447700900002", 61) });
        await Kit.Ingest(b, new[] { Ev("same-1", "+447700900001", 62), Ev("b-only", "+447700900002", 63), Ev("b-2", "+447700900003", 64) });
        string q = $"{Kit.DayWindow}&campaign={campaign}";

        var ofA = (await Kit.GetData(a, $"/api/v1/items?{q}"))["items"]!.AsArray();
        Assert.Equal(["a-only", "same-1"], ofA.Select(i => S(i!, "item_id")));
        Assert.All(ofA, i => Assert.Equal(teamA, S(i!, "team")));
        Assert.Empty((await Kit.GetData(a, $"/api/v1/items?{q}&recipient=%2B447700900003"))["items"]!.AsArray());
        await Kit.AssertError(await a.GetAsync($"/api/v1/items?{q}&team={teamB}"), HttpStatusCode.Forbidden);

        var admin = shared.Server.Admin;
        var onlyB = (await Kit.GetData(admin, $"/api/v1/items?{q}&team={teamB}"))["items"]!.AsArray();
        Assert.Equal(["b-2", "b-only", "same-1"], onlyB.Select(i => S(i!, "item_id")));
        // Every team: both teams' items, one list newest first.
        var both = (await Kit.GetData(admin, $"/api/v1/items?{q}&limit=2"));
        Assert.Equal([("b-2", teamB), ("b-only", teamB)], both["items"]!.AsArray().Select(i => (S(i!, "item_id")!, S(i!, "team")!)));
        var rest = await Kit.GetData(admin, $"/api/v1/items?{q}&limit=5&cursor={Uri.EscapeDataString(both["next_cursor"]!.GetValue<string>())}");
        Assert.Equal([("same-1", teamB), ("a-only", teamA), ("same-1", teamA)], rest["items"]!.AsArray().Select(i => (S(i!, "item_id")!, S(i!, "team")!)));
        Assert.Null(rest["next_cursor"]);
    }

    [Theory]
    [InlineData("status=nope", "status")]
    [InlineData("status=", "status")]
    [InlineData("kind=letter", "kind")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=many", "limit")]
    [InlineData("cursor=abc", "cursor")]
    [InlineData("cursor=AAAAAAAAAAAAAAAAAAAAAA%3D", "cursor")]
    [InlineData("from=2026-13-01T00:00:00Z", "from")]
    [InlineData("from=2026-11-22T10:00:00Z&to=2026-11-22T09:00:00Z", "from")]
    [InlineData("error_code=a%00b", "error_code")]
    [InlineData("recipient=,", "recipient")]
    [InlineData("sort=earliest", "sort")]
    [InlineData("format=csv", "format")]
    public async Task Bad_parameters_are_400s_naming_the_parameter(string query, string field)
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await client.GetAsync("/api/v1/items?" + query), HttpStatusCode.BadRequest, field, "invalid_parameter");
    }

    [Fact]
    public async Task A_key_without_metrics_read_is_refused()
    {
        var (_, writer) = await shared.NewTeamAsync("events:write");
        await Kit.AssertError(await writer.GetAsync($"/api/v1/items?{Kit.DayWindow}"), HttpStatusCode.Forbidden);
        await Kit.AssertError(await writer.GetAsync($"/api/v1/exports/items?{Kit.DayWindow}"), HttpStatusCode.Forbidden);
        await Kit.AssertError(await shared.Server.Client(null).GetAsync($"/api/v1/items?{Kit.DayWindow}"), HttpStatusCode.Unauthorized);
    }
}
