using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>Data, rollups, item state, idempotency keys and API keys survive a restart on the same data folder.</summary>
public sealed class RestartTests
{
    private static readonly string[] Providers = ["twilio", "sinch", "vonage"];
    private static readonly string[] Recipients = ["+447700900123", "+14155550123", "+4915112345678", "+33612345678"];

    /// <summary>For one team: items of every outcome; the items left at 'sent' are listed for later delivery.</summary>
    private static (List<object> Events, List<(string Item, double SentMinute)> Pending) Traffic(string prefix, int items, int seed)
    {
        var random = new Random(seed);
        var events = new List<object>();
        var pending = new List<(string, double)>();
        for (int i = 0; i < items; i++)
        {
            string id = $"{prefix}-{i}";
            double minute = random.Next(0, 22 * 60) + random.Next(0, 60) / 60.0;
            string provider = Providers[random.Next(Providers.Length)];
            string recipient = Recipients[random.Next(Recipients.Length)];
            events.Add(Kit.Event(id, "sent", Kit.At(minute), eventId: $"{id}-sent", kind: "message", recipient: recipient, provider: provider,
                channel: i % 2 == 0 ? "sms" : "whatsapp", cost: Math.Round(random.NextDouble() / 10, 4)));
            switch (random.Next(4))
            {
                case 0:
                    pending.Add((id, minute));
                    break;
                case 1:
                    events.Add(Kit.Event(id, "failed", Kit.At(minute + random.Next(1, 30) / 60.0), eventId: $"{id}-failed"));
                    break;
                default:
                    events.Add(Kit.Event(id, "delivered", Kit.At(minute + random.Next(1, 600) / 60.0), eventId: $"{id}-delivered"));
                    if (random.Next(3) == 0) events.Add(Kit.Event(id, "read", Kit.At(minute + 15), eventId: $"{id}-read"));
                    break;
            }
        }
        return (events, pending);
    }

    private static string[] Queries(string? team)
    {
        string t = team is null ? "" : $"&team={team}";
        return
        [
            $"/api/v1/metrics/summary?{Kit.DayWindow}{t}",
            $"/api/v1/metrics/summary?{Kit.DayWindow}&provider=twilio,sinch&channel=sms{t}",
            $"/api/v1/metrics/timeseries?{Kit.DayWindow}&granularity=hour{t}",
            $"/api/v1/metrics/timeseries?from={Kit.At(0)}&to={Kit.At(180)}&granularity=minute{t}",
            $"/api/v1/metrics/timeseries?from={Kit.Format(Kit.Day.AddDays(-40))}&to={Kit.Format(Kit.Day.AddDays(1))}&granularity=week{t}",
            $"/api/v1/metrics/timeseries?from={Kit.Format(Kit.Day.AddDays(-70))}&to={Kit.Format(Kit.Day.AddDays(1))}&granularity=month{t}",
            $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}{t}",
            $"/api/v1/metrics/breakdown?by=country&{Kit.DayWindow}{t}",
            $"/api/v1/metrics/breakdown?by=channel&from={Kit.At(37)}&to={Kit.At(1000)}{t}",
        ];
    }

    private static async Task<Dictionary<string, string>> Snapshot(HeraldServer server, HttpClient a, HttpClient b, string teamA)
    {
        var result = new Dictionary<string, string>();
        foreach (var (name, client, team) in new[] { ("a", a, (string?)null), ("b", b, null), ("admin", server.Admin, null), ("admin-a", server.Admin, teamA) })
            foreach (var q in Queries(team))
                result[$"{name} {q}"] = (await Kit.GetData(client, q)).ToJsonString();
        return result;
    }

    [Fact]
    public async Task Metrics_items_and_keys_survive_a_restart()
    {
        await using var server = await HeraldServer.StartAsync();
        var (teamA, keyA) = await server.CreateTeamAsync("restart-a");
        var (teamB, keyB) = await server.CreateTeamAsync("restart-b");
        var a = server.Client(keyA);
        var b = server.Client(keyB);

        var (eventsA, pendingA) = Traffic("a", 180, 1);
        var (eventsB, pendingB) = Traffic("b", 150, 2);
        Assert.Equal(eventsA.Count, Kit.Int(await Kit.Ingest(a, eventsA), "accepted"));
        Assert.Equal(eventsB.Count, Kit.Int(await Kit.Ingest(b, eventsB), "accepted"));
        Assert.True(eventsA.Count + eventsB.Count >= 300, $"only {eventsA.Count + eventsB.Count} events");
        Assert.NotEmpty(pendingA);

        var before = await Snapshot(server, a, b, teamA);
        var summaryBefore = JsonNode.Parse(before[$"a {Queries(null)[0]}"])!;
        Assert.Equal(180, Kit.Long(summaryBefore, "total"));
        Assert.Equal(pendingA.Count, Kit.Long(summaryBefore, "pending"));
        var itemBefore = (await Kit.Item(a, pendingA[0].Item))!.ToJsonString();

        await server.RestartAsync();
        a = server.Client(keyA);
        b = server.Client(keyB);

        var after = await Snapshot(server, a, b, teamA);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (query, json) in before)
            Assert.True(json == after[query], $"{query} changed across the restart:\nbefore {json}\nafter  {after[query]}");
        Assert.Equal(itemBefore, (await Kit.Item(a, pendingA[0].Item))!.ToJsonString());

        // Items that existed before the restart move on: the pending ones of A get delivered 45 s after sent.
        var delivered = pendingA.Select(p => Kit.Event(p.Item, "delivered", Kit.Format(Kit.Day.AddMinutes(p.SentMinute).AddSeconds(45)), eventId: $"{p.Item}-delivered")).ToList();
        Assert.Equal(delivered.Count, Kit.Int(await Kit.Ingest(a, delivered), "accepted"));
        // The idempotency keys of the events before the restart still hold.
        var replay = await Kit.Ingest(a, eventsA.Take(20).ToList());
        Assert.Equal(0, Kit.Int(replay, "accepted"));
        Assert.Equal(20, Kit.Int(replay, "duplicates"));

        var item = (await Kit.Item(a, pendingA[0].Item))!;
        Assert.Equal("delivered", item["status"]!.GetValue<string>());
        Assert.Equal(45.0, item["latency_seconds"]!.GetValue<double>(), 3);
        Assert.Equal(2, Kit.Int(item, "event_count"));

        var summaryAfter = await Kit.Summary(a);
        Assert.Equal(Kit.Long(summaryBefore, "total"), Kit.Long(summaryAfter, "total"));
        Assert.Equal(Kit.Long(summaryBefore, "delivered") + pendingA.Count, Kit.Long(summaryAfter, "delivered"));
        Assert.Equal(Kit.Long(summaryBefore, "failed"), Kit.Long(summaryAfter, "failed"));
        Assert.Equal(0, Kit.Long(summaryAfter, "pending"));
        Assert.Equal(Kit.Long(summaryBefore, "events") + pendingA.Count, Kit.Long(summaryAfter, "events"));
        Assert.False(summaryAfter["status_breakdown"]!.AsObject().ContainsKey("sent"));

        // Team B did not move.
        foreach (var q in Queries(null))
            Assert.Equal(before[$"b {q}"], (await Kit.GetData(b, q)).ToJsonString());

        // A second restart keeps the new state as well.
        var afterDelivery = (await Kit.Summary(a)).ToJsonString();
        await server.RestartAsync();
        Assert.Equal(afterDelivery, (await Kit.Summary(server.Client(keyA))).ToJsonString());
        Assert.Equal(teamB, (await Kit.Item(server.Client(keyB), "b-0"))!["team"]!.GetValue<string>());
    }

    [Fact]
    public async Task Healthz_answers_200_without_a_key()
    {
        await using var server = await HeraldServer.StartAsync();
        using var anonymous = server.Client(null);
        var response = await anonymous.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await HeraldServer.ReadBody(response))["status"]!.GetValue<string>());

        await server.RestartAsync();
        using var again = server.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/healthz")).StatusCode);
    }
}
