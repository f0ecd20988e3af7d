using System.Net;
using Herald.Tests.Api;

namespace Herald.Tests.Analytics;

public sealed class StalledItemsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task In_flight_items_past_their_routes_p99_are_listed_and_nothing_else()
    {
        var (_, client) = await shared.NewTeamAsync();
        var now = DateTimeOffset.UtcNow;
        var events = new List<object>();
        object E(string id, string status, DateTimeOffset at, string? route = null) => new Dictionary<string, object?>
        {
            ["item_id"] = id, ["kind"] = "message", ["status"] = status, ["occurred_at"] = Kit.Format(at), ["route"] = route, ["channel"] = "sms",
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        // Route r1 delivers in 2 s.
        for (int i = 0; i < 20; i++)
        {
            events.Add(E($"ok-{i}", "sent", now.AddMinutes(-30 + i), "r1"));
            events.Add(E($"ok-{i}", "delivered", now.AddMinutes(-30 + i).AddSeconds(2)));
        }
        events.Add(E("stuck-10m", "sent", now.AddMinutes(-10), "r1"));
        events.Add(E("recent-30s", "sent", now.AddSeconds(-30), "r1"));
        events.Add(E("queued-5h", "queued", now.AddHours(-5), "r1"));
        events.Add(E("failed-old", "sent", now.AddMinutes(-20), "r1"));
        events.Add(E("failed-old", "failed", now.AddMinutes(-19), "r1"));
        events.Add(E("too-old", "sent", now.AddHours(-30), "r1"));
        await Kit.Ingest(client, events);

        async Task<string[]> Stalled(string query) =>
            (await Kit.GetData(client, "/api/v1/analytics/stalled" + query))["items"]!.AsArray().Select(x => x!["item_id"]!.GetValue<string>()).ToArray();

        Assert.Equal(["queued-5h", "stuck-10m"], await Stalled(""));                // oldest first; 30 s is under the 60 s floor
        Assert.Equal(["queued-5h", "stuck-10m", "recent-30s"], await Stalled("?min_seconds=0"));
        Assert.Equal(["queued-5h", "stuck-10m"], await Stalled("?min_seconds=0&factor=100")); // 100 × 2 s = 200 s
        await Task.Delay(1500); // the writer flushes: the same answer from the stored rows
        Assert.Equal(["queued-5h", "stuck-10m"], await Stalled(""));
        Assert.Equal(["too-old", "queued-5h", "stuck-10m", "recent-30s"], await Stalled("?lookback_hours=48&min_seconds=0"));
        var one = (await Kit.GetData(client, "/api/v1/analytics/stalled"))["items"]![1]!;
        Assert.Equal("r1", one["route"]!.GetValue<string>());
        Assert.Equal(60, one["threshold_seconds"]!.GetValue<double>());
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/stalled?factor=0.5"), HttpStatusCode.BadRequest, "factor");
    }
}
