using System.Text.Json.Nodes;
using Herald.Maintenance;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Alerts;

public sealed class RetentionTests
{
    private static Dictionary<string, string?> Settings(string? rawEvents = null) => new()
    {
        ["Herald:Alerts:Enabled"] = "false",
        ["Herald:Retention:InitialDelay"] = "1.00:00:00", // the test runs the job itself
        ["Herald:Writer:FlushInterval"] = "00:00:00.100",
        ["Herald:Retention:RawEvents"] = rawEvents,
    };

    private static DateTimeOffset HourFloor(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    private static List<object> Items(string prefix, DateTimeOffset at, int count)
    {
        var events = new List<object>();
        for (int i = 0; i < count; i++)
        {
            var t = at.AddMinutes(i);
            events.Add(Kit.Event($"{prefix}-{i}", "sent", Kit.Format(t), eventId: $"{prefix}-{i}-s", kind: "message", provider: i % 2 == 0 ? "twilio" : "vonage"));
            if (i % 3 != 2) events.Add(Kit.Event($"{prefix}-{i}", i % 3 == 0 ? "delivered" : "failed", Kit.Format(t.AddSeconds(5)), eventId: $"{prefix}-{i}-o"));
        }
        return events;
    }

    private static long Scalar(string dataDir, string sql)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(dataDir, "herald.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    private static string Window(DateTimeOffset from, DateTimeOffset to) => $"from={Kit.Format(from)}&to={Kit.Format(to)}";

    private static async Task<string> Summary(HttpClient c, DateTimeOffset from, DateTimeOffset to, string extra = "")
    {
        var d = await Kit.GetData(c, $"/api/v1/metrics/summary?{Window(from, to)}{extra}");
        return $"{d["total"]}/{d["delivered"]}/{d["failed"]}/{d["pending"]}";
    }

    [Fact]
    public async Task Retention_deletes_only_what_is_past_it_and_queries_still_answer_from_coarser_cells()
    {
        var now = DateTimeOffset.UtcNow;
        var oldHour = HourFloor(now.AddDays(-3));             // minute cells past 24 h, hour cells kept
        var oldDay = new DateTimeOffset(now.AddDays(-40).Date, TimeSpan.Zero); // minute and hour cells past retention, day cells kept
        var recent = now.AddMinutes(-20);

        await using var server = await HeraldServer.StartAsync(Settings());
        var (_, key) = await server.CreateTeamAsync("retention", "events:write", "metrics:read");
        var c = server.Client(key);
        await Kit.Ingest(c, Items("old", oldHour.AddMinutes(30), 6));
        await Kit.Ingest(c, Items("older", oldDay.AddHours(10).AddMinutes(30), 6));
        await Kit.Ingest(c, Items("new", recent, 3));
        await Task.Delay(1500); // the writer folds its pending cells into the store

        var queries = new (DateTimeOffset From, DateTimeOffset To, string Extra)[]
        {
            (oldHour, oldHour.AddHours(1), ""),
            (oldHour, oldHour.AddHours(1), "&provider=twilio"),
            (oldDay, oldDay.AddDays(1), ""),
            (oldDay, oldDay.AddDays(1), "&provider=vonage"),
            (oldDay.AddDays(-5), now.AddDays(1), ""),
            (HourFloor(recent), now.AddDays(1), ""),
            (recent.AddMinutes(1), recent.AddMinutes(3), ""),
        };
        var before = new List<string>();
        foreach (var q in queries) before.Add(await Summary(c, q.From, q.To, q.Extra));
        // Failure analysis reads hours whose failure cells retention deleted from the raw events instead.
        var failureWindows = new (DateTimeOffset From, DateTimeOffset To)[]
        {
            (oldDay.AddHours(10), oldDay.AddHours(11)), (oldDay, oldDay.AddDays(1)), (oldDay.AddHours(9), now.AddDays(1)), (oldHour, oldHour.AddHours(1)),
        };
        var failuresBefore = new List<string>();
        foreach (var (from, to) in failureWindows) failuresBefore.Add((await Kit.GetData(c, $"/api/v1/failures?{Window(from, to)}&limit=100")).ToJsonString());
        Assert.Contains("\"total_failures\":2,", failuresBefore[0]);
        string raggedBefore = await Summary(c, oldHour.AddMinutes(31), oldHour.AddMinutes(33));
        Assert.Equal("2/0/1/1", raggedBefore);
        long events = Scalar(server.DataDir, "SELECT COUNT(*) FROM events");
        long minuteHorizon = Maintenance.DatabaseMaintenance.Cutoff(now, Herald.Domain.Granularity.Minute, TimeSpan.FromHours(24)).Value;
        Assert.True(Scalar(server.DataDir, $"SELECT COUNT(*) FROM rollups WHERE granularity = 1 AND bucket < {minuteHorizon}") > 0);

        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();
        Assert.Null(run.Error);
        Assert.True(run.Deleted["minute_rollups"] > 0);
        Assert.True(run.Deleted["hour_rollups"] > 0);
        Assert.Equal(0, run.Deleted["day_rollups"]);
        Assert.True(run.Deleted["hour_failure_cells"] > 0);
        Assert.Equal(0, run.Deleted["day_failure_cells"]);
        Assert.False(run.Deleted.ContainsKey("raw_events"));

        // Only what is past retention went: old minute cells and 40-day-old hour cells; recent minutes, old hours and days stay.
        Assert.Equal(0, Scalar(server.DataDir, $"SELECT COUNT(*) FROM rollups WHERE granularity = 1 AND bucket < {minuteHorizon}"));
        Assert.True(Scalar(server.DataDir, $"SELECT COUNT(*) FROM rollups WHERE granularity = 1 AND bucket >= {minuteHorizon}") > 0);
        Assert.True(Scalar(server.DataDir, $"SELECT COUNT(*) FROM rollups WHERE granularity = 2 AND bucket = {oldHour.ToUnixTimeSeconds() / 60}") > 0);
        Assert.Equal(0, Scalar(server.DataDir, $"SELECT COUNT(*) FROM rollups WHERE granularity = 2 AND bucket < {oldDay.AddDays(1).ToUnixTimeSeconds() / 60}"));
        Assert.True(Scalar(server.DataDir, $"SELECT COUNT(*) FROM rollups WHERE granularity = 3 AND bucket = {oldDay.ToUnixTimeSeconds() / 60}") > 0);
        Assert.Equal(events, Scalar(server.DataDir, "SELECT COUNT(*) FROM events")); // raw events are kept by default

        // Every aligned window answers as before, from hour and day cells.
        for (int i = 0; i < queries.Length; i++) Assert.Equal(before[i], await Summary(c, queries[i].From, queries[i].To, queries[i].Extra));
        for (int i = 0; i < failureWindows.Length; i++)
            Assert.Equal(failuresBefore[i], (await Kit.GetData(c, $"/api/v1/failures?{Window(failureWindows[i].From, failureWindows[i].To)}&limit=100")).ToJsonString());
        // A ragged window older than the minute retention widens to its whole hour (documented).
        Assert.Equal(before[0], await Summary(c, oldHour.AddMinutes(31), oldHour.AddMinutes(33)));
        // A minute series there: the hour's figures on its first minute, once; the sum is the hour.
        var points = (await Kit.GetData(c, $"/api/v1/metrics/timeseries?granularity=minute&{Window(oldHour, oldHour.AddHours(1))}"))["points"]!.AsArray();
        Assert.Equal(60, points.Count);
        Assert.Equal(6, points.Sum(p => p!["total"]!.GetValue<long>()));
        Assert.Equal(6, points[0]!["total"]!.GetValue<long>());
        // Item history does not depend on rollups.
        Assert.NotNull(await Kit.Item(c, "older-0"));

        var db = await Kit.GetData(server.Admin, "/api/v1/admin/database");
        Assert.True(db["tables"]!["events"]!.GetValue<long>() == events);
        Assert.True(db["database_bytes"]!.GetValue<long>() > 0);
        Assert.True(db["last_maintenance"]!["deleted"]!["minute_rollups"]!.GetValue<long>() > 0);
        var tiers = db["retention"]!.AsArray();
        Assert.Equal("1.00:00:00", tiers.Single(t => t!["data"]!.GetValue<string>() == "minute_rollups")!["retention"]!.GetValue<string>());
        Assert.NotNull(tiers.Single(t => t!["data"]!.GetValue<string>() == "minute_rollups")!["horizon"]);
        await Kit.AssertError(await c.GetAsync("/api/v1/admin/database"), System.Net.HttpStatusCode.Forbidden);

        // The horizons survive a restart: the same answers.
        await server.RestartAsync();
        c = server.Client(key);
        Assert.Equal(before[0], await Summary(c, oldHour.AddMinutes(31), oldHour.AddMinutes(33)));
        for (int i = 0; i < queries.Length; i++) Assert.Equal(before[i], await Summary(c, queries[i].From, queries[i].To, queries[i].Extra));
    }

    [Fact]
    public async Task Raw_event_retention_deletes_old_events_only()
    {
        var now = DateTimeOffset.UtcNow;
        await using var server = await HeraldServer.StartAsync(Settings(rawEvents: "2.00:00:00"));
        var (_, key) = await server.CreateTeamAsync("retention-raw", "events:write", "metrics:read");
        var c = server.Client(key);
        await Kit.Ingest(c, Items("old", now.AddDays(-3), 4));  // 4 items, 7 events
        await Kit.Ingest(c, Items("new", now.AddMinutes(-30), 4));
        await Task.Delay(1500);
        string day = await Summary(c, HourFloor(now.AddDays(-3)), HourFloor(now.AddDays(-3)).AddHours(1));

        // Compliance's audit trail: every event of the window still has its raw record.
        async Task<JsonNode> Audit() => (await Kit.GetData(c, $"/api/v1/analytics/compliance?{Window(now.AddDays(-4), now.AddMinutes(1))}"))
            ["compliance_metrics"]!["audit_trail_completeness"]!;
        var audit = await Audit();
        Assert.Equal(14, Kit.Long(audit, "events_logged"));
        Assert.Equal(0, Kit.Long(audit, "missing_audit_entries"));
        Assert.Equal(100.0, audit["audit_coverage"]!.GetValue<double>());
        Assert.Null(audit["raw_events_kept_from"]);

        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();
        Assert.Equal(7, run.Deleted["raw_events"]);
        // The old events are counted still, their raw records are gone: half the trail, from the horizon on (kept over a restart).
        for (int pass = 0; pass < 2; pass++)
        {
            audit = await Audit();
            Assert.Equal(14, Kit.Long(audit, "events_logged"));
            Assert.Equal(7, Kit.Long(audit, "missing_audit_entries"));
            Assert.Equal(50.0, audit["audit_coverage"]!.GetValue<double>());
            var keptFrom = DateTimeOffset.Parse(audit["raw_events_kept_from"]!.GetValue<string>());
            Assert.InRange(keptFrom, now.AddDays(-2).AddMinutes(-1), now.AddDays(-2).AddMinutes(1));
            var tiers = (await Kit.GetData(server.Admin, "/api/v1/admin/database"))["retention"]!.AsArray();
            var rawTier = tiers.Single(t => t!["data"]!.GetValue<string>() == "raw_events")!;
            Assert.Equal(keptFrom, DateTimeOffset.Parse(rawTier["horizon"]!.GetValue<string>()));
            if (pass == 0)
            {
                await server.RestartAsync();
                c = server.Client(key);
            }
        }
        Assert.Equal(0, Scalar(server.DataDir, $"SELECT COUNT(*) FROM events WHERE occurred_at < {now.AddDays(-2).ToUnixTimeMilliseconds()}"));
        Assert.Equal(7, Scalar(server.DataDir, "SELECT COUNT(*) FROM events"));
        // Metrics come from rollups: unchanged.
        Assert.Equal(day, await Summary(c, HourFloor(now.AddDays(-3)), HourFloor(now.AddDays(-3)).AddHours(1)));
    }
}
