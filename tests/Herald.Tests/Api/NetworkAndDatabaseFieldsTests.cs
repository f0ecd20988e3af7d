using System.Diagnostics;
using System.Text;
using Herald.Tests.Support;
using Herald.Utilization;

namespace Herald.Tests.Api;

/// <summary>
/// The system metrics' fields that were always null: <c>network_throughput_mbps</c> from /proc/net/dev, checked against the
/// test's own readings of the same counters around a known transfer; the store's connections; and seed 003's
/// <c>database_connections</c>.
/// </summary>
public sealed class NetworkAndDatabaseFieldsTests
{
    private const string Sample = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo: 1000000    5000    0    0    0     0          0         0  1000000    5000    0    0    0     0       0          0
          eth0: 123456789  90000    0    0    0     0          0         0 98765432  80000    0    0    0     0       0          0
         wlan0:     500       5    0    0    0     0          0         0      700       7    0    0    0     0       0          0
        """;

    [Fact]
    public void Received_plus_sent_bytes_are_summed_over_every_interface_but_lo_or_over_the_chosen_ones()
    {
        var lines = Sample.Split('\n');
        Assert.Equal(123456789L + 98765432 + 500 + 700, NetworkCounters.Sum(lines, null));
        Assert.Equal(2_000_000, NetworkCounters.Sum(lines, new HashSet<string> { "lo" }));
        Assert.Equal(123456789L + 98765432, NetworkCounters.Sum(lines, new HashSet<string> { "eth0", "eth9" }));
    }

    /// <summary>Loopback bytes now, read by the test as the kernel reports them (received plus sent).</summary>
    private static long LoopbackBytes() => NetworkCounters.Sum(File.ReadAllLines(NetworkCounters.ProcNetDev), new HashSet<string> { "lo" });

    [Fact]
    public async Task Network_throughput_lies_between_bounds_read_around_a_known_loopback_transfer()
    {
        Assert.True(File.Exists(NetworkCounters.ProcNetDev), "this test reads /proc/net/dev (Linux)");
        // Only lo counts, and nothing else reads the counters (the sampler is off): the two requests below are the readings.
        await using var server = await HeraldServer.StartAsync(new()
        {
            ["Herald:Utilization:NetworkInterfaces"] = "lo",
            ["Herald:Utilization:Enabled"] = "false",
        });
        var (_, key) = await server.CreateTeamAsync("network", "events:write", "metrics:read");
        using var client = server.Client(key);

        long before = LoopbackBytes();
        var firstSent = Stopwatch.GetTimestamp();
        var first = await Kit.GetData(client, "/api/v1/analytics/metrics/system");
        var firstAnswered = Stopwatch.GetTimestamp();
        Assert.Null(first["network_throughput_mbps"]); // one reading gives no rate yet

        // About 4 MB over loopback: each byte is sent and received on lo, so the counters move by twice that at least.
        long sent = 0;
        for (int i = 0; i < 5; i++)
        {
            var body = "[" + string.Join(",", Enumerable.Range(0, 4000).Select(n =>
                $$"""{"item_id":"net-{{i}}-{{n}}","status":"sent","occurred_at":"{{Kit.At(n % 600)}}","kind":"message","provider":"{{new string('p', 100)}}"}""")) + "]";
            sent += Encoding.UTF8.GetByteCount(body);
            (await client.PostAsync("/api/v1/events", HeraldServer.Json(body))).EnsureSuccessStatusCode();
        }
        await Task.Delay(1100); // a reading less than a second after the previous repeats it
        var secondSent = Stopwatch.GetTimestamp();
        var second = await Kit.GetData(client, "/api/v1/analytics/metrics/system");
        long after = LoopbackBytes();
        var secondAnswered = Stopwatch.GetTimestamp();

        double mbps = second["network_throughput_mbps"]!.GetValue<double>();
        // The server read its counters once within each request. Between the readings lie the transfer (twice its bytes at
        // least, as lo counts each byte sent and received) and at most what the test saw move around both; the readings are
        // at most (second answered - first sent) and at least (second sent - first answered) apart.
        double atLeast = 2 * sent * 8 / 1e6 / Stopwatch.GetElapsedTime(firstSent, secondAnswered).TotalSeconds;
        double atMost = (after - before) * 8 / 1e6 / Stopwatch.GetElapsedTime(firstAnswered, secondSent).TotalSeconds;
        Assert.True(atLeast > 1, $"the transfer was too small to measure: {atLeast} Mb/s");
        Assert.InRange(mbps, atLeast - 0.001, atMost + 0.001);
    }

    [Fact]
    public async Task The_store_connections_are_reported_in_the_system_metrics_and_the_monitoring_dashboard()
    {
        await using var server = await HeraldServer.StartAsync();
        var (_, key) = await server.CreateTeamAsync("connections", "events:write", "metrics:read");
        using var client = server.Client(key);

        var system = await Kit.GetData(client, "/api/v1/analytics/metrics/system");
        // The writer holds its connection for the process's life, and this request reads with another.
        int inUse = system["db_active_connections"]!.GetValue<int>();
        int open = system["db_connection_pool_size"]!.GetValue<int>();
        Assert.InRange(inUse, 1, 64);
        Assert.True(open >= 1, system.ToJsonString());

        // Connections opened on the database file count among the open ones while they are open (the test's own, unpooled,
        // beside the writer's).
        var held = new List<Microsoft.Data.Sqlite.SqliteConnection>();
        for (int i = 0; i < 3; i++)
        {
            var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(server.DataDir, "herald.db")};Pooling=False");
            c.Open();
            held.Add(c);
        }
        var holding = await Kit.GetData(client, "/api/v1/analytics/metrics/system");
        Assert.True(holding["db_connection_pool_size"]!.GetValue<int>() >= 3 + 1, holding.ToJsonString());
        // (Closing them need not lower the figure: SQLite keeps a closed connection's file handle while others hold locks.)
        foreach (var c in held) c.Dispose();

        var dashboard = await Kit.GetData(client, "/api/v1/monitoring/dashboard");
        Assert.InRange(dashboard["system_health"]!["database_connections"]!.GetValue<int>(), 1, 64);
    }
}
