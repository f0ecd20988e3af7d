using System.Text.Json.Nodes;
using Herald.Simulation;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Deliveries;

/// <summary><c>serve --demo</c> runs a delivery operation: a week of history at start, then agents moving and deliveries moving on.</summary>
public sealed class DemoDeliveriesTests
{
    [Fact]
    public async Task The_demo_seeds_a_week_of_deliveries_and_keeps_agents_and_deliveries_moving()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Demo"] = "true", ["Herald:DemoRate"] = "2" });
        string team = new TrafficGenerator(new SimulationProfile(), TimeProvider.System).TeamNames[0];
        string window = $"team={team}&from={Kit.Format(DateTimeOffset.UtcNow.AddDays(-8))}&to={Kit.Format(DateTimeOffset.UtcNow.AddDays(1))}";

        JsonNode analytics = null!;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var answer = await server.Admin.GetAsync($"/api/v1/analytics/agents?{window}");
            if (answer.IsSuccessStatusCode)
            {
                analytics = (await HeraldServer.ReadData(answer))!;
                if (analytics["totals"]!["completed"]!.GetValue<long>() + analytics["totals"]!["failed"]!.GetValue<long>() >= 200) break;
            }
            await Task.Delay(500);
        }
        var totals = analytics["totals"]!;
        Assert.True(totals["completed"]!.GetValue<long>() > totals["failed"]!.GetValue<long>());
        Assert.True(totals["failed"]!.GetValue<long>() > 0);
        Assert.Equal(8, analytics["agents"]!.AsArray().Count);
        Assert.NotNull(totals["average_rating"]);

        // The finished deliveries span the last seven days (their tracking times).
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long days = (long)server.StoredValue("SELECT COUNT(DISTINCT occurred_at / 86400000) FROM delivery_tracking WHERE status IN ($completed, $failed) AND occurred_at < $now", ("$now", now - 3_600_000),
            ("$completed", (int)Herald.Domain.Status.Completed), ("$failed", (int)Herald.Domain.Status.Failed))!;
        Assert.InRange(days, 6, 8);

        // Agents move and new deliveries are booked and carried.
        async Task<Dictionary<string, string>> Positions() =>
            (await Kit.GetData(server.Admin, $"/api/v1/agents?team={team}&limit=50"))["agents"]!.AsArray()
                .ToDictionary(a => a!["id"]!.GetValue<string>(), a => a!["current_location"]!.ToJsonString());
        var before = await Positions();
        long live = 0;
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            live = (long)server.StoredValue("SELECT COUNT(*) FROM deliveries WHERE scheduled_time > $now AND status <> $scheduled", ("$now", now),
                ("$scheduled", (int)Herald.Domain.Status.Scheduled))!;
            if (live > 0 && (await Positions()).Any(p => before[p.Key] != p.Value)) break;
        }
        Assert.True(live > 0, "no live delivery was assigned or moved on");
        Assert.Contains(await Positions(), p => before[p.Key] != p.Value);
    }
}
