using System.Net;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Operations;

/// <summary>The stored system metrics time series: sampled on its interval, read by type, source and time, kept for its retention.</summary>
public sealed class SystemMetricsSeriesTests
{
    private static Task<HeraldServer> Start() => HeraldServer.StartAsync(new()
    {
        ["Herald:SystemMetrics:SampleInterval"] = "00:00:01",
        ["Herald:SystemMetrics:Retention"] = "01:00:00",
    });

    private static long Count(HeraldServer server, string where = "1 = 1") => (long)server.StoredValue($"SELECT COUNT(*) FROM system_metrics WHERE {where}")!;

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(condition());
    }

    [Fact]
    public async Task Points_are_sampled_on_the_interval_and_read_by_type_source_and_time_newest_first()
    {
        await using var server = await Start();
        var (teamId, _) = await server.CreateTeamAsync($"sysm-{Guid.NewGuid():n}"[..20]);
        using var client = server.Client(await server.CreateKeyAsync(teamId, ["metrics:read"]));
        // Requests for the API figures to count.
        for (int i = 0; i < 5; i++) await client.GetAsync("/api/v1/system-metrics");
        await WaitFor(() => Count(server, "metric_type = 'cpu_usage'") >= 3);

        var cpu = (await Kit.GetData(client, "/api/v1/system-metrics?metric_type=cpu_usage"))["metrics"]!.AsArray();
        Assert.True(cpu.Count >= 3);
        var times = cpu.Select(p => DateTimeOffset.Parse((string)p!["timestamp"]!)).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        Assert.All(cpu, p =>
        {
            Assert.Equal("cpu_usage", (string?)p!["metric_type"]);
            Assert.Equal("percentage", (string?)p["unit"]);
            Assert.Equal("application", (string?)p["source"]);
            Assert.InRange((double)p["value"]!, 0, 100);
            Assert.Equal(Environment.MachineName, (string?)p["tags"]!["host"]);
        });
        // The timer keeps its period (a late tick is followed by one on time), so three samples span at least one interval.
        Assert.InRange((times[0] - times[2]).TotalSeconds, 0.8, 10);

        var database = (await Kit.GetData(client, "/api/v1/system-metrics?source=database"))["metrics"]!.AsArray();
        Assert.Equal(["database_size", "wal_size"], database.Select(p => (string)p!["metric_type"]!).Distinct().Order());
        long dbBytes = new FileInfo(Path.Combine(server.DataDir, "herald.db")).Length;
        Assert.InRange((double)database.First(p => (string)p!["metric_type"]! == "database_size")!["value"]!, 1, dbBytes * 4);

        var both = (await Kit.GetData(client, "/api/v1/system-metrics?metric_type=cpu_usage,queue_depth"))["metrics"]!.AsArray();
        Assert.Equal(["cpu_usage", "queue_depth"], both.Select(p => (string)p!["metric_type"]!).Distinct().Order());
        Assert.Equal("engine", (string?)both.First(p => (string)p!["metric_type"]! == "queue_depth")!["source"]);

        // A window of [from, to) holds only the points inside it.
        string from = Uri.EscapeDataString(times[1].ToString("O")), to = Uri.EscapeDataString(times[0].ToString("O"));
        var window = (await Kit.GetData(client, $"/api/v1/system-metrics?metric_type=cpu_usage&from={from}&to={to}"))["metrics"]!.AsArray();
        Assert.Equal(times[1], DateTimeOffset.Parse((string)Assert.Single(window)!["timestamp"]!));
    }

    [Fact]
    public async Task Pages_follow_the_cursor_without_gaps_and_bad_queries_are_400s_naming_the_parameter()
    {
        await using var server = await Start();
        var (teamId, _) = await server.CreateTeamAsync($"sysm-{Guid.NewGuid():n}"[..20]);
        using var client = server.Client(await server.CreateKeyAsync(teamId, ["metrics:read"]));
        await WaitFor(() => Count(server, "metric_type = 'memory_rss'") >= 4);
        await server.StopAsync();
        long stored = Count(server, "metric_type = 'memory_rss'");
        await server.RestartAsync();
        using var again = server.Client(await server.CreateKeyAsync(teamId, ["metrics:read"]));
        string before = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMilliseconds(-1).ToString("O"));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Kit.GetData(again, $"/api/v1/system-metrics?metric_type=memory_rss&to={before}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            var points = page["metrics"]!.AsArray();
            Assert.InRange(points.Count, 1, 2);
            seen.AddRange(points.Select(p => (string)p!["timestamp"]!));
            cursor = (string?)page["next_cursor"];
        } while (cursor is not null);
        Assert.True(seen.Count >= stored);
        Assert.Equal(seen.Count, seen.Distinct().Count());

        await Kit.AssertError(await again.GetAsync("/api/v1/system-metrics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"), HttpStatusCode.BadRequest, "from");
        await Kit.AssertError(await again.GetAsync("/api/v1/system-metrics?limit=0"), HttpStatusCode.BadRequest, "limit");
        await Kit.AssertError(await again.GetAsync("/api/v1/system-metrics?cursor=nonsense"), HttpStatusCode.BadRequest, "cursor");
        await Kit.AssertError(await again.GetAsync("/api/v1/system-metrics?from=yesterday"), HttpStatusCode.BadRequest, "from");
        await Kit.AssertError(await again.GetAsync("/api/v1/system-metrics?metric=cpu_usage"), HttpStatusCode.BadRequest, "metric");
        using var noScope = server.Client(await server.CreateKeyAsync(teamId, ["events:write"]));
        Assert.Equal(HttpStatusCode.Forbidden, (await noScope.GetAsync("/api/v1/system-metrics")).StatusCode);
    }

    [Fact]
    public async Task Points_older_than_the_retention_are_deleted()
    {
        await using var server = await Start();
        await WaitFor(() => Count(server) > 0);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await server.RestartAsync(() =>
        {
            server.StoredValue("INSERT INTO system_metrics (at, metric_type, value, unit, source) VALUES ($at, 'old_point', 1, 'count', 'application')",
                ("$at", now - (long)TimeSpan.FromHours(2).TotalMilliseconds));
            server.StoredValue("INSERT INTO system_metrics (at, metric_type, value, unit, source) VALUES ($at, 'recent_point', 1, 'count', 'application')",
                ("$at", now - (long)TimeSpan.FromMinutes(30).TotalMilliseconds));
        });
        await WaitFor(() => Count(server, "metric_type = 'old_point'") == 0);
        Assert.Equal(1, Count(server, "metric_type = 'recent_point'"));
    }
}
