using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Alerts;
using Herald.Outbound;
using Herald.Storage.Sqlite;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Alerts;

/// <summary>
/// Seed 003's incident management and alert kinds: response targets per severity, escalation to the next channel of a rule's
/// path while nobody acknowledges (a real webhook receiver and a real SMTP server), the built-in rate-limit, store-health and
/// compliance rules, and the seed's alert field names.
/// </summary>
public sealed class IncidentTests
{
    private const string Secret = "alert-signing-secret";

    private static Dictionary<string, string?> Settings(bool evaluate = true) => new()
    {
        ["Herald:Alerts:EvaluationInterval"] = "00:00:00.250",
        ["Herald:Alerts:NotificationBackoff"] = "00:00:00.050",
        ["Herald:Alerts:ResponseTargets:critical"] = "00:00:02",
        ["Herald:Alerts:ResponseTargets:HIGH"] = "00:00:30",
        ["Herald:Alerts:Enabled"] = evaluate ? "true" : "false",
        [OutboundPolicy.AllowListSetting] = "127.0.0.1",
    };

    private static string Now(double secondsAgo = 0) => Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-secondsAgo));

    private static async Task WaitUntil(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    private static List<AlertReceiver.Received> Hooks(AlertReceiver r, string ev, string ruleId) =>
        r.Requests.Where(q => q.Headers.GetValueOrDefault("X-Herald-Event") == ev && JsonNode.Parse(q.Text)!["alert"]!["rule_id"]!.GetValue<string>() == ruleId).ToList();

    private static async Task<JsonNode?> Alert(HttpClient client, string ruleId) =>
        (await Kit.GetData(client, "/api/v1/alerts")).AsArray().FirstOrDefault(a => a!["rule_id"]!.GetValue<string>() == ruleId);

    private static object VolumeRule(string id, string[] channels, string[] escalation, string severity = "critical") => new
    {
        rule_id = id, rule_name = id, metric_name = "volume", condition = "gt", threshold = 0, duration = 0, severity,
        notification_channels = channels, escalation, filters = new { campaign = id }, min_volume = 1,
    };

    [Fact]
    public async Task An_unacknowledged_alert_escalates_channel_by_channel_and_an_acknowledged_one_does_not()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var receiver = await AlertReceiver.StartAsync();
        await using var server = await HeraldServer.StartAsync(Settings());
        var (_, key) = await server.CreateTeamAsync("incidents", "events:write", "metrics:read", "alerts:write");
        var client = server.Client(key);
        (await client.PutAsJsonAsync("/api/v1/alerts/channels/webhook", new { url = receiver.Url, secret = Secret })).EnsureSuccessStatusCode();
        (await client.PutAsJsonAsync("/api/v1/alerts/channels/email", new
        {
            recipients = new[] { "lead@example.com" },
            settings = new Dictionary<string, string> { ["host"] = "127.0.0.1", ["port"] = smtp.Port.ToString(), ["from"] = "Herald <alerts@example.com>" },
        })).EnsureSuccessStatusCode();
        var created = await client.PostAsJsonAsync("/api/v1/alerts/rules", VolumeRule("paged", ["webhook"], ["email", "webhook"]));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(["email", "webhook"], (await HeraldServer.ReadData(created))["escalation"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/alerts/rules", VolumeRule("acked", ["webhook"], ["email"]))).StatusCode);

        await Kit.Ingest(client, new List<object>
        {
            new Dictionary<string, object?> { ["item_id"] = "p-1", ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = Now(5), ["campaign"] = "paged" },
            new Dictionary<string, object?> { ["item_id"] = "a-1", ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = Now(5), ["campaign"] = "acked" },
        });
        await WaitUntil(() => Task.FromResult(Hooks(receiver, "firing", "paged").Count > 0 && Hooks(receiver, "firing", "acked").Count > 0), "both firing webhooks");

        // Acknowledged within its target: it never escalates.
        var acked = (await Alert(client, "acked"))!;
        var ack = await client.PostAsync($"/api/v1/alerts/{acked["id"]!.GetValue<string>()}/acknowledge", HeraldServer.Json(new { by = "oncall" }));
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var ackIncident = (await HeraldServer.ReadData(ack))["incident"]!;
        Assert.True(ackIncident["acknowledged_within_target"]!.GetValue<bool>());
        Assert.Null(ackIncident["next_escalation_at"]);

        // The seed's names beside Herald's, and where the alert stands against its 2-second target.
        var paged = (await Alert(client, "paged"))!;
        Assert.Equal(paged["id"]!.GetValue<string>(), paged["alert_id"]!.GetValue<string>());
        Assert.Equal(paged["fired_at"]!.GetValue<string>(), paged["triggered_at"]!.GetValue<string>());
        var incident = paged["incident"]!;
        var fired = DateTimeOffset.Parse(paged["fired_at"]!.GetValue<string>());
        Assert.Equal(("2 seconds", 2L), (incident["response_target"]!.GetValue<string>(), incident["response_target_seconds"]!.GetValue<long>()));
        Assert.Equal(fired.AddSeconds(2), DateTimeOffset.Parse(incident["respond_by"]!.GetValue<string>()));
        Assert.Equal(["email", "webhook"], incident["escalation_path"]!.AsArray().Select(c => c!.GetValue<string>()));

        // Two seconds unacknowledged: the path's first channel (mail); two more: the second (the webhook again, as "escalated").
        var mail = await smtp.WaitForMessageToAsync("lead@example.com");
        Assert.Contains("ESCALATED critical: paged", mail["subject"]!.GetValue<string>());
        Assert.Contains("not acknowledged within 2 seconds", mail["body"]!.GetValue<string>());
        await WaitUntil(() => Task.FromResult(Hooks(receiver, "escalated", "paged").Count > 0), "the second escalation");
        var escalated = JsonNode.Parse(Hooks(receiver, "escalated", "paged").Single().Text)!["alert"]!;
        Assert.Equal(2, escalated["incident"]!["escalation_level"]!.GetValue<int>());
        Assert.True(escalated["incident"]!["overdue"]!.GetValue<bool>());
        var escalatedAt = DateTimeOffset.Parse(escalated["incident"]!["last_escalated_at"]!.GetValue<string>());
        Assert.True(escalatedAt >= fired.AddSeconds(4), $"escalated at {escalatedAt:O}, fired at {fired:O}");

        // The path is exhausted: nothing more, whatever time passes; the acknowledged alert sent no mail at all.
        await Task.Delay(3000);
        await server.Services.GetRequiredService<AlertEngine>().DrainAsync();
        Assert.Single(Hooks(receiver, "escalated", "paged"));
        Assert.Single(smtp.Messages());
        Assert.Empty(Hooks(receiver, "escalated", "acked"));
        var now = (await Alert(client, "paged"))!["incident"]!;
        Assert.Equal(["email", "webhook"], now["escalated_to"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Null(now["next_escalation_channel"]);
        Assert.True(now["overdue"]!.GetValue<bool>());

        // Seed 003's incident_management: the configured targets (a key in any case), the defaults, and the rules' paths.
        var management = await Kit.GetData(client, "/api/v1/alerts/incident-management");
        Assert.Equal("2 seconds", management["response_times"]!["critical"]!.GetValue<string>());
        Assert.Equal("30 seconds", management["response_times"]!["high"]!.GetValue<string>());
        Assert.Equal("4 hours", management["response_times"]!["medium"]!.GetValue<string>());
        Assert.Equal("24 hours", management["response_times"]!["low"]!.GetValue<string>());
        Assert.Equal(86_400, management["response_time_seconds"]!["low"]!.GetValue<long>());
        Assert.Equal("System down or major functionality unavailable", management["severity_levels"]!["critical"]!.GetValue<string>());
        Assert.Equal(["email"], management["escalation_paths"]!["acked"]!.AsArray().Select(c => c!.GetValue<string>()));

        // A bad path names the field and stores nothing.
        await Kit.AssertError(await client.PutAsJsonAsync("/api/v1/alerts/rules/paged", new { escalation = new[] { "pager" } }), HttpStatusCode.BadRequest, "escalation");
        Assert.Equal(2, (await Kit.GetData(client, "/api/v1/alerts/rules/paged"))["escalation"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_response_target_for_an_unknown_severity_stops_the_start()
    {
        var bad = Settings();
        bad["Herald:Alerts:ResponseTargets:urgent"] = "00:10:00";
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldServer.StartAsync(bad));
        Assert.Contains("Herald:Alerts:ResponseTargets:urgent", e.Message);
        var zero = Settings();
        zero["Herald:Alerts:ResponseTargets:low"] = "00:00:00";
        Assert.Contains("Herald:Alerts:ResponseTargets:low", (await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldServer.StartAsync(zero))).Message);
    }

    [Fact]
    public async Task An_account_above_its_tps_limit_fires_the_built_in_rate_limit_rule_for_its_team_only()
    {
        await using var server = await HeraldServer.StartAsync(Settings());
        var (teamId, key) = await server.CreateTeamAsync("limits", "events:write", "metrics:read");
        var (_, otherKey) = await server.CreateTeamAsync("limits-other", "events:write", "metrics:read");
        var client = server.Client(key);
        var rules = (await Kit.GetData(client, "/api/v1/alerts/rules")).AsArray();
        var builtIn = rules.Single(r => r!["rule_id"]!.GetValue<string>() == "rate_limit_exceeded")!;
        Assert.Equal(("rate_limit_violations", "gt", 0.0), (builtIn["metric_name"]!.GetValue<string>(), builtIn["condition"]!.GetValue<string>(), builtIn["threshold"]!.GetValue<double>()));
        (await server.Admin.PutAsJsonAsync($"/api/v1/accounts/bulk-1?team={teamId}", new { tps_limit = 1 })).EnsureSuccessStatusCode();

        // 61 events in one minute is above 1 per second; 60 in another is not; the other team's traffic is its own.
        string over = Now(30), under = Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-2));
        var events = new List<object>();
        for (int i = 0; i < 61; i++) events.Add(new Dictionary<string, object?> { ["item_id"] = $"o-{i}", ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = over, ["account"] = "bulk-1" });
        for (int i = 0; i < 60; i++) events.Add(new Dictionary<string, object?> { ["item_id"] = $"u-{i}", ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = under, ["account"] = "bulk-1" });
        await Kit.Ingest(client, events);
        await Kit.Ingest(server.Client(otherKey), events);

        JsonNode? alert = null;
        await WaitUntil(async () => (alert = await Alert(client, "rate_limit_exceeded")) is not null && alert["state"]!.GetValue<string>() == "firing", "the rate limit alert");
        Assert.Equal(1.0, alert!["current_value"]!.GetValue<double>());
        Assert.Equal("high", alert["severity"]!.GetValue<string>());
        var compliance = await Kit.GetData(client, $"/api/v1/analytics/compliance?from={Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-5))}");
        Assert.Equal(1, Kit.Long(compliance["compliance_metrics"]!["rate_limit_adherence"]!, "rate_limit_violations"));
        // The other team has no account with a limit: no violation, no alert.
        await Task.Delay(750);
        Assert.Null(await Alert(server.Client(otherKey), "rate_limit_exceeded"));
    }

    [Fact]
    public async Task Sends_to_opted_out_contacts_and_inside_quiet_hours_fire_the_built_in_compliance_rule()
    {
        await using var server = await HeraldServer.StartAsync(Settings());
        var (_, key) = await server.CreateTeamAsync("violations", "events:write", "metrics:read");
        var client = server.Client(key);
        var now = DateTimeOffset.UtcNow;
        (await client.PutAsJsonAsync("/api/v1/compliance/settings", new
        {
            time_zone = "UTC", quiet_hours = new { start = now.AddMinutes(-30).ToString("HH:mm"), end = now.AddMinutes(30).ToString("HH:mm") },
        })).EnsureSuccessStatusCode();
        Dictionary<string, object?> Msg(string id, string recipient, string direction, string? text = null) => new Dictionary<string, object?>
        {
            ["item_id"] = id, ["kind"] = "message", ["status"] = direction == "inbound" ? "delivered" : "sent", ["occurred_at"] = Now(direction == "inbound" ? 50 : 20),
            ["direction"] = direction, ["recipient"] = recipient, ["text"] = text,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        // Two sends to a contact who sent STOP, one to another contact: all three inside the team's quiet hours.
        await Kit.Ingest(client, new List<object> { Msg("in", "+15551110001", "inbound", "STOP"), Msg("o1", "+15551110001", "outbound"),
            Msg("o2", "+15551110001", "outbound"), Msg("o3", "+15551110002", "outbound") });

        JsonNode? alert = null;
        await WaitUntil(async () => (alert = await Alert(client, "compliance_violation")) is not null && alert["state"]!.GetValue<string>() == "firing", "the compliance alert");
        var report = (await Kit.GetData(client, $"/api/v1/analytics/compliance?from={Kit.Format(now.AddMinutes(-5))}"))["compliance_metrics"]!;
        long optedOut = Kit.Long(report["consent_verification"]!, "messages_to_opted_out_contacts"), quiet = Kit.Long(report["quiet_hours_compliance"]!, "messages_during_quiet_hours");
        Assert.Equal((2, 3), (optedOut, quiet));
        Assert.Equal(optedOut + quiet, alert!["current_value"]!.GetValue<double>());
        Assert.Equal(3, Kit.Long(alert, "sample_size"));
    }

    [Fact]
    public async Task A_store_that_fails_its_probe_fires_the_database_rule_with_the_failed_probes()
    {
        await using var server = await HeraldServer.StartAsync(Settings(evaluate: false));
        var (_, key) = await server.CreateTeamAsync("store-probe", "events:write", "metrics:read");
        var client = server.Client(key);
        var engine = server.Services.GetRequiredService<AlertEngine>();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        await engine.EvaluateAsync(CancellationToken.None);
        Assert.Null(await Alert(client, "database_connection_issues"));

        // The database file goes away: a new connection cannot open it (the pooled ones keep theirs, so Herald itself goes on).
        string db = server.Services.GetRequiredService<SqliteStore>().Path;
        File.Move(db, db + ".moved");
        int failed = 0;
        try
        {
            for (int i = 0; i < 2; i++)
            {
                var health = await client.GetAsync("/healthz");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                var body = await HeraldServer.ReadBody(health);
                Assert.Equal("unavailable", body["checks"]!["store"]!["status"]!.GetValue<string>());
                Assert.StartsWith("the sqlite store does not answer", body["checks"]!["store"]!["description"]!.GetValue<string>());
                failed++;
            }
            await engine.EvaluateAsync(CancellationToken.None); // its cycle probes first
            failed++;
        }
        finally
        {
            File.Move(db + ".moved", db);
        }
        var alert = (await Alert(client, "database_connection_issues"))!;
        Assert.Equal("firing", alert["state"]!.GetValue<string>());
        Assert.Equal("critical", alert["severity"]!.GetValue<string>());
        Assert.Equal(failed, alert["current_value"]!.GetValue<double>());
        Assert.Equal(failed + 2, Kit.Long(alert, "sample_size")); // and the two good probes before
        Assert.Contains($"store_probe_failures is {failed} probes", alert["message"]!.GetValue<string>());

        // Back: healthy, and the failures stay counted while they are in the rule's five-minute window.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        await engine.EvaluateAsync(CancellationToken.None);
        var still = (await Alert(client, "database_connection_issues"))!;
        Assert.Equal(failed, still["current_value"]!.GetValue<double>());
        Assert.Equal(failed + 4, Kit.Long(still, "sample_size"));
    }

    /// <summary>Built-in rules added later reach a team that had the first eight, without bringing back one it deleted.</summary>
    [Fact]
    public void Migration_32_offers_new_built_in_rules_and_keeps_deleted_ones_deleted()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        try
        {
            using var store = new SqliteStore(Path.Combine(dir, "m.db"));
            store.MigrateUp(31);
            using (var c = new SqliteConnection($"Data Source={store.Path};Pooling=False"))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                // As version 31 left a team: given the eight defaults, then high_disk deleted.
                cmd.CommandText = """
                    INSERT INTO teams (id, public_id, name, webhook_token, created_at) VALUES (1, 't1', 'old', 'w1', 0);
                    INSERT INTO alert_rule_defaults (team_id, created_at) VALUES (1, 0);
                    INSERT INTO alert_rules (team_id, rule_id, rule_name, metric_name, condition, threshold, duration_seconds, severity,
                        notification_channels, filters, min_volume, enabled, is_default, created_at, updated_at)
                    VALUES (1, 'high_cpu', 'High CPU', 'cpu_percent', 'gt', 80, 300, 'warning', 'webhook,email', '{}', 0, 1, 1, 0, 0);
                    """;
                cmd.ExecuteNonQuery();
            }
            store.MigrateUp();
            store.EnsureDefaultAlertRules(1, AlertRules.Defaults, 1);
            var ids = store.ListAlertRules(1).Select(r => r.RuleId).ToList();
            Assert.Equal(["high_cpu", "rate_limit_exceeded", "database_connection_issues", "compliance_violation"], ids);
            // A new team gets them all.
            using (var c = new SqliteConnection($"Data Source={store.Path};Pooling=False"))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "INSERT INTO teams (id, public_id, name, webhook_token, created_at) VALUES (2, 't2', 'new', 'w2', 0)";
                cmd.ExecuteNonQuery();
            }
            store.EnsureDefaultAlertRules(2, AlertRules.Defaults, 1);
            Assert.Equal(AlertRules.Defaults.Select(r => r.RuleId), store.ListAlertRules(2).Select(r => r.RuleId));
            Assert.Contains(store.MigrateDown(31), m => m.Version == 32);
            Assert.Contains(store.MigrateUp(), m => m.Version == 32);
            store.EnsureDefaultAlertRules(1, AlertRules.Defaults, 2);
            Assert.Equal(4, store.ListAlertRules(1).Count);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
