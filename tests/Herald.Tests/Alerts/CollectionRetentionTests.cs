using System.Globalization;
using Herald.Maintenance;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Alerts;

/// <summary>
/// Retention beside the engine's: resolved alert history, analytics snapshots and superseded consent changes go once past
/// their policy, and nothing else does; <c>GET /api/v1/admin/retention</c> shows each collection's policy, horizon and rows.
/// </summary>
public sealed class CollectionRetentionTests
{
    private static readonly long Day = TimeSpan.FromDays(1).Ticks / TimeSpan.TicksPerMillisecond;

    [Fact]
    public async Task Alert_history_snapshots_and_superseded_consent_changes_go_past_their_policy_and_the_admin_report_shows_it()
    {
        await using var server = await HeraldServer.StartAsync(new()
        {
            ["Herald:Alerts:Enabled"] = "false",
            ["Herald:Retention:InitialDelay"] = "1.00:00:00", // the test runs the job itself
            ["Herald:Retention:Snapshots"] = "90.00:00:00",
            ["Herald:Retention:ConsentChanges"] = "200.00:00:00",
        });
        var (teamId, _) = await server.CreateTeamAsync("collections", "metrics:read");
        long team = Convert.ToInt64(server.StoredValue("SELECT id FROM teams WHERE public_id = $p", ("$p", teamId)), CultureInfo.InvariantCulture);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // Alerts: resolved 400 days ago (with its notifications), resolved 10 days ago, and firing for 500 days.
        long Alert(string rule, string state, long? resolvedAt) => Convert.ToInt64(server.StoredValue("""
            INSERT INTO alerts (public_id, team_id, rule_id, rule_name, metric_name, condition, threshold, severity, state, message, pending_since, fired_at, resolved_at, last_evaluated_at)
            VALUES ($id, $team, $rule, $rule, 'volume', 'gt', 1, 'low', $state, 'm', $since, $since, $resolved, $since) RETURNING id
            """, ("$id", "al_" + Guid.NewGuid().ToString("n")), ("$team", team), ("$rule", rule), ("$state", state), ("$since", now - 500 * Day),
            ("$resolved", resolvedAt is { } r ? r : DBNull.Value)), CultureInfo.InvariantCulture);
        long old = Alert("old", "resolved", now - 400 * Day), recent = Alert("recent", "resolved", now - 10 * Day), open = Alert("open", "firing", null);
        foreach (long alert in new[] { old, old, recent })
            server.StoredValue("INSERT INTO alert_notifications (alert_id, channel, event, sent_at, ok, attempts) VALUES ($a, 'webhook', 'fired', $t, 1, 1)", ("$a", alert), ("$t", now - 450 * Day));

        // Snapshots: a period that ended 100 days ago, and one 10 days ago.
        foreach (var (date, end) in new[] { ("old", now - 100 * Day), ("new", now - 10 * Day) })
            server.StoredValue("""
                INSERT INTO analytics_snapshots (team_id, date, snapshot_type, period_start, period_end, metrics, created_at, updated_at)
                VALUES ($team, $date, 'Daily', $start, $end, '{}', $end, $end)
                """, ("$team", team), ("$date", date), ("$start", end - Day), ("$end", end));

        // Consent: random timelines; a change older than 200 days goes only when a later change of its recipient exists.
        var rnd = new Random(17);
        var changes = new List<(string Recipient, long At, int State, long Ref)>();
        for (int r = 0; r < 40; r++)
        {
            string recipient = $"+4477009{r:D5}";
            int n = 1 + rnd.Next(4);
            for (int i = 0; i < n; i++)
            {
                // Some share a time, where the stronger state is the later one.
                long at = now - (rnd.Next(3) == 0 && changes.Count > 0 && changes[^1].Recipient == recipient ? (now - changes[^1].At) / Day : rnd.Next(1, 600)) * Day;
                changes.Add((recipient, at, rnd.Next(4), changes.Count + 1));
            }
        }
        foreach (var c in changes)
            server.StoredValue("INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword) VALUES ($t, $r, $at, $s, $ref, 'STOP')",
                ("$t", team), ("$r", c.Recipient), ("$at", c.At), ("$s", c.State), ("$ref", c.Ref));
        long cutoff = now - 200 * Day;
        var expected = changes.Where(c => c.At >= cutoff || !changes.Any(l => l.Recipient == c.Recipient
            && (l.At, l.State, l.Ref).CompareTo((c.At, c.State, c.Ref)) > 0)).Select(c => c.Ref).Order().ToList();
        Assert.True(expected.Count < changes.Count && expected.Count > 40, $"{expected.Count} of {changes.Count} kept: the stream must test both sides");

        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();
        Assert.Null(run.Error);
        Assert.Equal((1L, 1L, (long)(changes.Count - expected.Count)), (run.Deleted["alert_history"], run.Deleted["snapshots"], run.Deleted["consent_changes"]));

        Assert.Equal([recent, open], Longs(server, "SELECT id FROM alerts WHERE team_id = " + team + " ORDER BY id"));
        Assert.Equal([recent], Longs(server, "SELECT alert_id FROM alert_notifications ORDER BY id"));
        Assert.Equal(1L, Convert.ToInt64(server.StoredValue("SELECT COUNT(*) FROM analytics_snapshots WHERE team_id = $t AND date = 'new'", ("$t", team)), CultureInfo.InvariantCulture));
        Assert.Equal(0L, Convert.ToInt64(server.StoredValue("SELECT COUNT(*) FROM analytics_snapshots WHERE team_id = $t AND date = 'old'", ("$t", team)), CultureInfo.InvariantCulture));
        Assert.Equal(expected, Longs(server, "SELECT event_ref FROM consent_changes WHERE team_id = " + team + " ORDER BY event_ref"));
        // Every recipient keeps its latest change, whatever its age.
        Assert.Equal(40L, Convert.ToInt64(server.StoredValue("SELECT COUNT(DISTINCT recipient) FROM consent_changes WHERE team_id = $t", ("$t", team)), CultureInfo.InvariantCulture));

        var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
        var byName = report["collections"]!.AsArray().ToDictionary(c => c!["collection"]!.GetValue<string>(), c => c!);
        foreach (var name in new[] { "raw_events", "items", "rollups", "consent_changes", "contacts", "alert_history", "snapshots", "reports", "otp", "audit",
                     "system_metrics", "utilization", "deliveries", "recordings" })
            Assert.True(byName.ContainsKey(name), name);
        Assert.Equal(("365.00:00:00", "Herald:Retention:AlertHistory"), (byName["alert_history"]["retention"]!.GetValue<string>(), byName["alert_history"]["setting"]!.GetValue<string>()));
        Assert.Equal("forever", byName["items"]["retention"]!.GetValue<string>());
        Assert.Null(byName["items"]["horizon"]);
        Assert.Equal(Convert.ToInt64(server.StoredValue("SELECT COUNT(*) FROM consent_changes"), CultureInfo.InvariantCulture), byName["consent_changes"]["rows"]!.GetValue<long>());
        Assert.True(byName["consent_changes"]["size_bytes"]!.GetValue<long>() > 0);
        var horizon = DateTimeOffset.Parse(byName["snapshots"]["horizon"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange((DateTimeOffset.UtcNow - horizon).TotalDays, 89.99, 90.01);
        Assert.Equal(4, byName["rollups"]["tiers"]!.AsArray().Count);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await server.Client((await server.CreateTeamAsync("not-admin", "metrics:read")).Key).GetAsync("/api/v1/admin/retention")).StatusCode);
    }

    private static List<long> Longs(HeraldServer server, string sql)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(server.DataDir, "herald.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        var list = new List<long>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add(r.GetInt64(0));
        return list;
    }
}
