using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Caching;

/// <summary>The cache tiers over real HTTP: what is kept is what a fresh computation gives, and new data in a window ends it.</summary>
public sealed class CacheTierEndpointTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static async Task<(JsonNode Data, string Cache)> Get(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return (JsonNode.Parse(text)!["data"]!, response.Headers.GetValues("X-Herald-Cache").Single());
    }

    private static long HourNow => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 3600;
    private static long MinuteNow => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;

    /// <summary>Runs a check whose keys hold the current hour or minute again if the clock crossed one meanwhile.</summary>
    private static async Task WithinOne(Func<long> unit, Func<Task> check)
    {
        for (int attempt = 0; ; attempt++)
        {
            long before = unit();
            await check();
            if (unit() == before) return;
            Assert.True(attempt < 2, "the clock kept crossing the boundary");
        }
    }

    [Fact]
    public async Task A_forecast_is_kept_through_traffic_of_the_current_hour_and_recomputed_when_its_history_changes()
    {
        var (_, client) = await shared.NewTeamAsync();
        await WithinOne(() => HourNow, async () =>
        {
            var (first, c1) = await Get(client, "/api/v1/analytics/predictions/message-volume");
            Assert.Equal(0, Kit.Long(first, "history_hours"));
            var (again, c2) = await Get(client, "/api/v1/analytics/predictions/message-volume");
            Assert.Equal(("miss", "hit"), (c1, c2));
            Assert.Equal(first.ToJsonString(), again.ToJsonString());

            // This hour is not history yet: the kept forecast is still what a fresh one would say.
            await Kit.Ingest(client, new[] { Kit.Event($"now-{Guid.NewGuid():n}", "sent", Kit.Format(DateTimeOffset.UtcNow)) });
            var (kept, c3) = await Get(client, "/api/v1/analytics/predictions/message-volume");
            Assert.Equal("hit", c3);
            Assert.Equal(0, Kit.Long(kept, "history_hours"));

            // Three hours ago is: the next answer is computed again and counts it.
            var earlier = DateTimeOffset.UtcNow.AddHours(-3);
            await Kit.Ingest(client, new[] { Kit.Event($"old-{Guid.NewGuid():n}", "sent", Kit.Format(earlier)) });
            var (fresh, c4) = await Get(client, "/api/v1/analytics/predictions/message-volume");
            Assert.Equal("miss", c4);
            Assert.Equal(3, Kit.Long(fresh, "history_hours"));
            Assert.Equal(0, fresh["current_value"]!.GetValue<double>()); // the last whole hour had none
        });
    }

    [Fact]
    public async Task The_dashboard_summary_is_recomputed_as_soon_as_events_land_and_another_teams_events_leave_it_kept()
    {
        var (_, a) = await shared.NewTeamAsync();
        var (_, b) = await shared.NewTeamAsync();
        await WithinOne(() => MinuteNow, async () =>
        {
            await Kit.Ingest(a, new[] { Kit.Event($"a-{Guid.NewGuid():n}", "delivered", Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-5))) });
            var (s1, c1) = await Get(a, "/api/v1/analytics/dashboard/summary");
            var (s2, c2) = await Get(a, "/api/v1/analytics/dashboard/summary");
            Assert.Equal(("miss", "hit"), (c1, c2));
            Assert.Equal(s1["messages"]!.ToJsonString(), s2["messages"]!.ToJsonString());

            await Kit.Ingest(b, new[] { Kit.Event($"b-{Guid.NewGuid():n}", "sent", Kit.Format(DateTimeOffset.UtcNow)) });
            var (_, c3) = await Get(a, "/api/v1/analytics/dashboard/summary");
            Assert.Equal("hit", c3);

            long before = Kit.Long(s1["messages"]!, "total_today");
            await Kit.Ingest(a, new[] { Kit.Event($"a-{Guid.NewGuid():n}", "sent", Kit.Format(DateTimeOffset.UtcNow)) });
            var (s4, c4) = await Get(a, "/api/v1/analytics/dashboard/summary");
            Assert.Equal("miss", c4);
            Assert.Equal(before + 1, Kit.Long(s4["messages"]!, "total_today"));
            Assert.Equal(Kit.Long(s4["messages"]!, "total_today"), Kit.Long((await Kit.GetData(a, $"/api/v1/metrics/summary?from={Kit.Format(new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero))}&to={Kit.Format(DateTimeOffset.UtcNow.AddMinutes(2))}")), "total"));
        });
    }

    [Fact]
    public async Task Snapshots_are_kept_until_the_next_generation_and_the_counters_show_on_metrics()
    {
        var server = shared.Server;
        var (team, client) = await shared.NewTeamAsync();
        var yesterday = DateTime.UtcNow.Date.AddDays(-1);
        await Kit.Ingest(client, new[] { Kit.Event($"s-{Guid.NewGuid():n}", "delivered", Kit.Format(new DateTimeOffset(yesterday.AddHours(12), TimeSpan.Zero))) });

        var (none, c1) = await Get(client, "/api/v1/analytics/snapshots?type=daily");
        var (_, c2) = await Get(client, "/api/v1/analytics/snapshots?type=daily");
        Assert.Equal(("miss", "hit"), (c1, c2));
        Assert.Empty(none.AsArray());

        var trigger = await server.Admin.PostAsync($"/api/v1/jobs/daily/trigger?date={yesterday:yyyy-MM-dd}", null);
        Assert.Equal(HttpStatusCode.OK, trigger.StatusCode);
        var (rows, c3) = await Get(client, "/api/v1/analytics/snapshots?type=daily");
        Assert.Equal("miss", c3);
        Assert.Single(rows.AsArray());
        Assert.Equal(1, rows[0]!["metrics"]!["messages"]!["total"]!.GetValue<long>());

        var metrics = PrometheusExposition.Parse(await (await server.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync());
        Assert.True(metrics["herald_cache_requests_total"].Single(s => s.Label("tier") == "snapshot" && s.Label("result") == "hit").Value >= 1);
        var system = await Kit.GetData(server.Admin, "/api/v1/analytics/metrics/system");
        Assert.Contains(system["cache"]!.AsArray(), t => t!["tier"]!.GetValue<string>() == "snapshot" && t["hits"]!.GetValue<long>() >= 1);
    }
}
