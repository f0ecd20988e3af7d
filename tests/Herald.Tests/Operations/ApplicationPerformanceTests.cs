using System.Diagnostics;
using System.Globalization;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Operations;

/// <summary>
/// Seed 003's <c>application_performance</c> in <c>/api/v1/analytics/metrics/system</c>, on a server of its own so every
/// request it counts is the test's; the server runs in the test process, so its I/O figures are this process's
/// <c>/proc/self/io</c>, read here before and after.
/// </summary>
public sealed class ApplicationPerformanceTests
{
    [Fact]
    public async Task Request_rate_day_throughput_per_route_figures_and_process_io_are_the_servers_own()
    {
        var started = Stopwatch.StartNew();
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        var (_, key) = await server.CreateTeamAsync("app-perf"); // POST /api/v1/teams and POST /api/v1/keys
        var client = server.Client(key);
        for (int i = 0; i < 25; i++) await Kit.GetData(client, $"/api/v1/metrics/summary?{Kit.DayWindow}");
        for (int i = 0; i < 5; i++) Assert.Null(await Kit.Item(client, $"nothing-{i}"));

        var ioBefore = ProcSelfIo();
        var system = await Kit.GetData(client, "/api/v1/analytics/metrics/system");
        var ioAfter = ProcSelfIo();
        double elapsed = started.Elapsed.TotalSeconds;

        var perf = system["application_performance"]!;
        var api = perf["api_metrics"]!;
        // Every request before this one: 2 to set the team up, 25 summaries, 5 item lookups (the answer is written before its own is counted).
        Assert.Equal(32, api["throughput_24h"]!.GetValue<long>());
        double rps = api["requests_per_second"]!.GetValue<double>();
        Assert.InRange(rps, 32 / Math.Max(1, elapsed) - 0.01, 32.0);
        Assert.Equal(0.0, api["error_rate_percent"]!.GetValue<double>()); // 404s are not server errors
        Assert.True(api["average_response_time_ms"]!.GetValue<double>() >= 0);

        var endpoints = perf["endpoint_performance"]!;
        Assert.Equal(25, endpoints["/api/v1/metrics/summary"]!["requests"]!.GetValue<long>());
        Assert.Equal(5, endpoints["/api/v1/items/{itemId}"]!["requests"]!.GetValue<long>());
        var byEndpoint = system["requests"]!["by_endpoint"]!.AsArray().Single(r => r!["route"]!.GetValue<string>() == "/api/v1/metrics/summary")!;
        Assert.Equal(byEndpoint["avg_ms"]!.GetValue<double>(), endpoints["/api/v1/metrics/summary"]!["avg_time_ms"]!.GetValue<double>(), 3);

        var resources = perf["resource_utilization"]!;
        Assert.Equal(system["cpu_usage_percent"]!.GetValue<double>(), resources["cpu_usage_percent"]!.GetValue<double>());
        Assert.Equal(Math.Round(system["memory_rss_bytes"]!.GetValue<long>() / 1048576.0, 1), resources["memory_usage_mb"]!.GetValue<double>());
        Assert.InRange(resources["disk_read_bytes_total"]!.GetValue<long>(), ioBefore["read_bytes"], ioAfter["read_bytes"]);
        Assert.InRange(resources["disk_write_bytes_total"]!.GetValue<long>(), ioBefore["write_bytes"], ioAfter["write_bytes"]);
        Assert.True(resources["disk_io_ops_sec"]!.GetValue<double>() > 0); // the server read its own files and sockets
        Assert.True(resources["disk_write_bytes_per_sec"]!.GetValue<double>() >= 0);
    }

    private static Dictionary<string, long> ProcSelfIo() =>
        File.ReadAllLines("/proc/self/io").Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => long.Parse(p[1].Trim(), CultureInfo.InvariantCulture));
}
