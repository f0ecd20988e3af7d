using System.Diagnostics;
using System.Net;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Operations;

/// <summary>
/// <c>GET /api/v1/analytics/metrics/database</c> on a server of its own (so every store call is the test's): the timings
/// count exactly the store operations the requests made, their percentiles are ordered, the seed's query metrics agree
/// with them, and the table and index sizes are those SQLite's own dbstat table reports on a copy of the file.
/// </summary>
public sealed class DatabaseMetricsTests
{
    private static readonly string At = Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-5));

    [Fact]
    public async Task Each_store_operation_is_counted_with_ordered_percentiles_and_the_slowest_executions_lead()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        var (_, key) = await server.CreateTeamAsync("db-metrics");
        var client = server.Client(key);
        for (int i = 0; i < 3; i++)
            await Kit.Ingest(client, new[] { Kit.Event($"m{i}", "sent", At, kind: "message"), Kit.Event($"m{i}", "delivered", At, kind: "message") });
        for (int i = 0; i < 7; i++) Assert.Null(await Kit.Item(client, $"missing-{i}"));

        var data = await Kit.GetData(client, "/api/v1/analytics/metrics/database");
        Assert.Equal(60, data["window_minutes"]!.GetValue<int>());
        var operations = data["operations"]!.AsArray().Select(o => o!).ToList();
        var byName = operations.ToDictionary(o => o["operation"]!.GetValue<string>());
        // One item lookup per GET /api/v1/items/{id}; each ingest request committed in its own write transaction at least.
        Assert.Equal(7, byName["FindItems"]["count"]!.GetValue<long>());
        Assert.True(byName["WriteBatch"]["count"]!.GetValue<long>() >= 3);
        foreach (var o in operations)
        {
            double Ms(string name) => o[name]!.GetValue<double>();
            Assert.True(Ms("min_ms") <= Ms("p50_ms") && Ms("p50_ms") <= Ms("p95_ms") && Ms("p95_ms") <= Ms("p99_ms") && Ms("p99_ms") <= Ms("max_ms"), o.ToJsonString());
            Assert.InRange(Ms("avg_ms"), Ms("min_ms"), Ms("max_ms"));
        }
        Assert.Equal(operations.Select(o => o["count"]!.GetValue<long>()).OrderByDescending(c => c), operations.Select(o => o["count"]!.GetValue<long>()));

        var query = data["database_performance"]!["query_metrics"]!;
        long total = operations.Sum(o => o["count"]!.GetValue<long>());
        Assert.Equal(total, query["total_queries_1h"]!.GetValue<long>());
        Assert.Equal(operations.Max(o => o["max_ms"]!.GetValue<double>()), query["slowest_query_ms"]!.GetValue<double>());
        Assert.Equal(operations.Min(o => o["min_ms"]!.GetValue<double>()), query["fastest_query_ms"]!.GetValue<double>());
        double weighted = operations.Sum(o => o["avg_ms"]!.GetValue<double>() * o["count"]!.GetValue<long>()) / total;
        Assert.Equal(weighted, query["average_query_time_ms"]!.GetValue<double>(), 0.001);

        var slowest = data["slowest_operations"]!.AsArray().Select(s => s!).ToList();
        Assert.InRange(slowest.Count, 1, 10);
        Assert.Equal(query["slowest_query_ms"]!.GetValue<double>(), slowest[0]["duration_ms"]!.GetValue<double>());
        Assert.Equal(slowest.Select(s => s["duration_ms"]!.GetValue<double>()).OrderByDescending(d => d), slowest.Select(s => s["duration_ms"]!.GetValue<double>()));
        foreach (var s in slowest)
            Assert.True(s["duration_ms"]!.GetValue<double>() <= byName[s["operation"]!.GetValue<string>()]["max_ms"]!.GetValue<double>());

        var cache = data["cache"]!;
        long hits = cache["hits"]!.GetValue<long>(), misses = cache["misses"]!.GetValue<long>();
        Assert.True(hits + misses > 0);
        Assert.Equal(Math.Round(hits * 100.0 / (hits + misses), 2), cache["hit_ratio_percent"]!.GetValue<double>());

        // The current minute alone holds at most the lookups the hour holds.
        var lastMinute = await Kit.GetData(client, "/api/v1/analytics/metrics/database?minutes=1");
        Assert.Equal(1, lastMinute["window_minutes"]!.GetValue<int>());
        var minuteLookups = lastMinute["operations"]!.AsArray().FirstOrDefault(o => o!["operation"]!.GetValue<string>() == "FindItems");
        Assert.True(minuteLookups is null || minuteLookups["count"]!.GetValue<long>() <= 7);
    }

    [Fact]
    public async Task Table_and_index_sizes_are_those_sqlite_dbstat_reports_on_a_copy_of_the_file()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        var (_, key) = await server.CreateTeamAsync("db-layout");
        var client = server.Client(key);
        // Enough raw events for the events table and its indexes to grow interior pages.
        for (int batch = 0; batch < 4; batch++)
            await Kit.Ingest(client, Enumerable.Range(0, 500).Select(i => Kit.Event($"item-{batch}-{i}", "sent", At, eventId: $"event-{batch}-{i}-{new string('x', 40)}",
                kind: "message", recipient: $"+4477009{batch}{i:0000}")).ToArray());

        var data = await Kit.GetData(server.Admin, "/api/v1/analytics/metrics/database");
        var copy = Path.Combine(Path.GetTempPath(), $"herald-dbstat-{Guid.NewGuid():n}");
        Directory.CreateDirectory(copy);
        try
        {
            foreach (var suffix in new[] { "", "-wal" })
                if (File.Exists(Path.Combine(server.DataDir, "herald.db" + suffix)))
                    File.Copy(Path.Combine(server.DataDir, "herald.db" + suffix), Path.Combine(copy, "herald.db" + suffix));
            var dbstat = Sqlite3(Path.Combine(copy, "herald.db"),
                "SELECT name, COUNT(*) FROM dbstat WHERE pagetype <> 'overflow' GROUP BY name ORDER BY name")
                .ToDictionary(r => r[0], r => long.Parse(r[1]));

            var objects = data["tables"]!.AsArray().Concat(data["indexes"]!.AsArray()).Select(o => o!).ToList();
            var ours = objects.ToDictionary(o => o["name"]!.GetValue<string>(), o => o["pages"]!.GetValue<long>());
            Assert.Equal(dbstat.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
            // The raw events' b-trees were last written by the ingest above, before the answer: they must agree page for page.
            var events = objects.Where(o => o["table"]!.GetValue<string>() == "events").Select(o => o["name"]!.GetValue<string>()).ToList();
            Assert.Contains("events", events);
            Assert.True(events.Count >= 3, string.Join(", ", events));
            Assert.True(ours["events"] > 10);
            foreach (var name in events.Append("sqlite_schema")) Assert.True(dbstat[name] == ours[name], $"{name}: dbstat {dbstat[name]}, Herald {ours[name]}");

            var pages = data["pages"]!;
            long pageSize = pages["page_size"]!.GetValue<long>(), pageCount = pages["page_count"]!.GetValue<long>();
            Assert.Equal(pageCount - pages["free_pages"]!.GetValue<long>(), pages["used_pages"]!.GetValue<long>());
            Assert.Equal(pageCount * pageSize, pages["database_bytes"]!.GetValue<long>());
            Assert.Equal(pages["used_pages"]!.GetValue<long>(), ours.Values.Sum() + pages["unattributed_pages"]!.GetValue<long>());
            foreach (var o in objects) Assert.Equal(o["pages"]!.GetValue<long>() * pageSize, o["bytes"]!.GetValue<long>());
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task The_window_is_checked_and_the_route_needs_metrics_read()
    {
        await using var server = await HeraldServer.StartAsync();
        await Kit.AssertError(await server.Admin.GetAsync("/api/v1/analytics/metrics/database?minutes=0"), HttpStatusCode.BadRequest, "minutes");
        await Kit.AssertError(await server.Admin.GetAsync("/api/v1/analytics/metrics/database?minutes=61"), HttpStatusCode.BadRequest, "minutes");
        await Kit.AssertError(await server.Admin.GetAsync("/api/v1/analytics/metrics/database?window=5"), HttpStatusCode.BadRequest, "window");
        var (_, writeOnly) = await server.CreateTeamAsync("writer-only", "events:write");
        await Kit.AssertError(await server.Client(writeOnly).GetAsync("/api/v1/analytics/metrics/database"), HttpStatusCode.Forbidden);
        await Kit.AssertError(await server.Client(null).GetAsync("/api/v1/analytics/metrics/database"), HttpStatusCode.Unauthorized);
    }

    /// <summary>Rows of a query by Debian's sqlite3 shell (its dbstat table is what the bundled SQLite lacks; .ci/run installs it).</summary>
    private static List<string[]> Sqlite3(string database, string sql)
    {
        var psi = new ProcessStartInfo("sqlite3", ["-separator", "|", database, sql]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("sqlite3 did not start (apt-get install sqlite3)");
        string output = p.StandardOutput.ReadToEnd(), error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"sqlite3 failed: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|')).ToList();
    }
}
