using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Alerts;
using Herald.Outbound;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Alerts;

/// <summary>
/// Rules fire, notify a real webhook receiver (Kestrel on loopback) and a real SMTP server (aiosmtpd) exactly once, survive a
/// restart without notifying again, then resolve and notify that. Time is driven by a short evaluation interval and duration.
/// </summary>
public sealed class AlertLifecycleTests
{
    private const string Secret = "alert-signing-secret";

    /// <param name="outboundAllowList">The receivers listen on loopback, which only an allow-list opens.</param>
    private static Dictionary<string, string?> FastAlerts(string? outboundAllowList = "127.0.0.1") => new()
    {
        ["Herald:Alerts:EvaluationInterval"] = "00:00:00.250",
        ["Herald:Alerts:NotificationBackoff"] = "00:00:00.050",
        [OutboundPolicy.AllowListSetting] = outboundAllowList,
    };

    private static string Now(double secondsAgo = 0) => Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-secondsAgo));

    private static List<object> Items(string prefix, string provider, int delivered, int failed)
    {
        var events = new List<object>();
        for (int i = 0; i < delivered + failed; i++)
        {
            events.Add(Kit.Event($"{prefix}-{i}", "sent", Now(20), eventId: $"{prefix}-{i}-s", kind: "message", provider: provider, channel: "sms"));
            events.Add(Kit.Event($"{prefix}-{i}", i < delivered ? "delivered" : "failed", Now(10), eventId: $"{prefix}-{i}-f"));
        }
        return events;
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the engine has finished <paramref name="cycles"/> more evaluations and sent what they started.</summary>
    private static async Task Evaluations(HeraldServer server, int cycles)
    {
        var engine = server.Services.GetRequiredService<AlertEngine>();
        long target = engine.Evaluations + cycles;
        await WaitUntil(() => Task.FromResult(engine.Evaluations >= target), $"{cycles} evaluations");
        await engine.DrainAsync();
    }

    private static List<AlertReceiver.Received> Hooks(AlertReceiver r, string ev) =>
        r.Requests.Where(q => q.Headers.GetValueOrDefault("X-Herald-Event") == ev).ToList();

    [Fact]
    public async Task A_rule_fires_notifies_webhook_and_email_once_survives_a_restart_then_resolves()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var receiver = await AlertReceiver.StartAsync();
        await using var server = await HeraldServer.StartAsync(FastAlerts());
        var (_, key) = await server.CreateTeamAsync("alerts-e2e", "events:write", "metrics:read", "alerts:write");
        var client = server.Client(key);

        var hook = await client.PutAsJsonAsync("/api/v1/alerts/channels/webhook", new { url = receiver.Url, secret = Secret });
        Assert.Equal(HttpStatusCode.OK, hook.StatusCode);
        Assert.Equal("********", (await HeraldServer.ReadData(hook))["config"]!["secret"]!.GetValue<string>());
        var mail = await client.PutAsJsonAsync("/api/v1/alerts/channels/email", new
        {
            recipients = new[] { "oncall@example.com" },
            settings = new Dictionary<string, string> { ["host"] = "127.0.0.1", ["port"] = smtp.Port.ToString(), ["from"] = "Herald <alerts@example.com>" },
        });
        Assert.Equal(HttpStatusCode.OK, mail.StatusCode);

        var rule = await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = "sms_failures", rule_name = "SMS failures", metric_name = "message_failure_rate", condition = "gt", threshold = 5,
            duration = 1, severity = "critical", notification_channels = new[] { "webhook", "email" }, filters = new { provider = "acme-sms" },
            min_volume = 20,
        });
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);

        // 40 % of 100 items failed (Wilson lower bound 30.9 %): pending, then firing once it held for a second.
        await Kit.Ingest(client, Items("bad", "acme-sms", delivered: 60, failed: 40));
        await WaitUntil(() => Task.FromResult(Hooks(receiver, "firing").Count > 0), "the firing webhook");
        var firing = Hooks(receiver, "firing").Single();
        Assert.Equal("POST", firing.Method);
        Assert.Equal("/hooks/alerts", firing.Path);
        string expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), firing.Body));
        Assert.Equal(expected, firing.Headers["X-Herald-Signature"]);
        var payload = JsonNode.Parse(firing.Text)!;
        Assert.Equal("firing", payload["event"]!.GetValue<string>());
        Assert.Equal("sms_failures", payload["alert"]!["rule_id"]!.GetValue<string>());
        Assert.Equal("alerts-e2e", payload["alert"]!["team"]!.GetValue<string>());
        Assert.Equal(40, payload["alert"]!["current_value"]!.GetValue<double>());
        Assert.Equal(100, payload["alert"]!["sample_size"]!.GetValue<long>());
        string alertId = payload["alert"]!["id"]!.GetValue<string>();

        var firstMail = await smtp.WaitForMessageToAsync("oncall@example.com");
        Assert.Contains("FIRING critical: SMS failures", firstMail["subject"]!.GetValue<string>());
        Assert.Contains("message_failure_rate is 40 %", firstMail["body"]!.GetValue<string>());

        var active = await Kit.GetData(client, "/api/v1/alerts");
        var alert = active.AsArray().Single(a => a!["rule_id"]!.GetValue<string>() == "sms_failures")!;
        Assert.Equal("firing", alert["state"]!.GetValue<string>());
        Assert.Equal(5, alert["threshold"]!.GetValue<double>());
        Assert.Equal(40, alert["current_value"]!.GetValue<double>());

        // Still firing over more evaluations: no storm.
        await Evaluations(server, 4);
        Assert.Single(Hooks(receiver, "firing"));
        Assert.Single(smtp.Messages());

        // A restart keeps the state: nothing is notified again.
        await server.RestartAsync();
        client = server.Client(key);
        await Evaluations(server, 4);
        Assert.Single(Hooks(receiver, "firing"));
        Assert.Single(smtp.Messages());
        Assert.Equal(alertId, (await Kit.GetData(client, "/api/v1/alerts")).AsArray().Single(a => a!["rule_id"]!.GetValue<string>() == "sms_failures")!["id"]!.GetValue<string>());

        // Enough good traffic that the failure rate is no longer significantly above 5 %: resolved, and notified.
        await Kit.Ingest(client, Items("good", "acme-sms", delivered: 2000, failed: 0));
        await WaitUntil(() => Task.FromResult(Hooks(receiver, "resolved").Count > 0), "the resolved webhook");
        await WaitUntil(() => Task.FromResult(smtp.Messages().Count >= 2), "the resolved mail");
        var resolved = JsonNode.Parse(Hooks(receiver, "resolved").Single().Text)!;
        Assert.Equal(alertId, resolved["alert"]!["id"]!.GetValue<string>());
        Assert.Equal("resolved", resolved["alert"]!["state"]!.GetValue<string>());
        Assert.Equal("auto", resolved["alert"]!["resolution"]!.GetValue<string>());
        Assert.Contains("RESOLVED", smtp.Messages()[1]["subject"]!.GetValue<string>());

        await Evaluations(server, 3);
        Assert.Equal(2, receiver.Requests.Count);
        Assert.Equal(2, smtp.Messages().Count);
        Assert.DoesNotContain((await Kit.GetData(client, "/api/v1/alerts")).AsArray(), a => a!["rule_id"]!.GetValue<string>() == "sms_failures");
        var history = await Kit.GetData(client, "/api/v1/alerts/history");
        var past = history.AsArray().Single(a => a!["id"]!.GetValue<string>() == alertId)!;
        Assert.Equal("resolved", past["state"]!.GetValue<string>());
        Assert.Equal(2, past["notifications_sent"]!.GetValue<int>());
        var detail = await Kit.GetData(client, $"/api/v1/alerts/{alertId}");
        Assert.Equal(4, detail["notifications"]!.AsArray().Count); // firing and resolved, each by webhook and e-mail
        Assert.All(detail["notifications"]!.AsArray(), n => Assert.True(n!["ok"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task Small_samples_do_not_fire_significant_ones_do_and_acknowledge_and_manual_resolve_work()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        await using var server = await HeraldServer.StartAsync(FastAlerts());
        var (_, key) = await server.CreateTeamAsync("alerts-volume", "events:write", "metrics:read", "alerts:write");
        var client = server.Client(key);
        receiver.FailNext = 2; // the first two deliveries fail: the notifier retries
        (await client.PutAsJsonAsync("/api/v1/alerts/channels/webhook", new { url = receiver.Url, secret = Secret })).EnsureSuccessStatusCode();
        foreach (var provider in new[] { "small", "big" })
        {
            var created = await client.PostAsJsonAsync("/api/v1/alerts/rules", new
            {
                rule_id = provider + "_failures", rule_name = provider, metric_name = "message_failure_rate", condition = "gt", threshold = 5,
                duration = 0, severity = "high", notification_channels = new[] { "webhook" }, filters = new { provider },
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(50, (await HeraldServer.ReadData(created))["min_volume"]!.GetValue<long>()); // the rate default
        }

        await Kit.Ingest(client, Items("s", "small", delivered: 7, failed: 3));     // 30 % of 10
        await Kit.Ingest(client, Items("b", "big", delivered: 900, failed: 100));   // 10 % of 1,000
        await WaitUntil(() => Task.FromResult(Hooks(receiver, "firing").Count > 0), "the firing webhook");
        await Evaluations(server, 3);

        var active = (await Kit.GetData(client, "/api/v1/alerts")).AsArray();
        var big = Assert.Single(active, a => a!["rule_id"]!.GetValue<string>() == "big_failures")!;
        Assert.DoesNotContain(active, a => a!["rule_id"]!.GetValue<string>() == "small_failures");
        Assert.Equal("firing", big["state"]!.GetValue<string>());
        Assert.Contains("lower bound 8.29 %", big["message"]!.GetValue<string>());
        // Retried until delivered: three requests, one notification.
        Assert.Equal(3, Hooks(receiver, "firing").Count);
        Assert.Single(Hooks(receiver, "firing").Select(h => h.Headers["X-Herald-Delivery"]).Distinct());
        string id = big["id"]!.GetValue<string>();

        var ack = await client.PostAsync($"/api/v1/alerts/{id}/acknowledge", HeraldServer.Json(new { by = "alice" }));
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal("alice", (await HeraldServer.ReadData(ack))["acknowledged_by"]!.GetValue<string>());

        var resolve = await client.PostAsync($"/api/v1/alerts/{id}/resolve", null);
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        var resolvedData = await HeraldServer.ReadData(resolve);
        Assert.Equal("resolved", resolvedData["state"]!.GetValue<string>());
        Assert.Equal("manual", resolvedData["resolution"]!.GetValue<string>());
        await WaitUntil(() => Task.FromResult(Hooks(receiver, "resolved").Count > 0), "the resolved webhook");
        await Kit.AssertError(await client.PostAsync($"/api/v1/alerts/{id}/resolve", null), HttpStatusCode.Conflict, code: "conflict");
        await Kit.AssertError(await client.PostAsync("/api/v1/alerts/alt_nope/acknowledge", null), HttpStatusCode.NotFound, code: "not_found");

        // The condition still holds: the next evaluation opens a new alert (duration 0: firing again at once).
        await Evaluations(server, 2);
        var again = (await Kit.GetData(client, "/api/v1/alerts")).AsArray().Single(a => a!["rule_id"]!.GetValue<string>() == "big_failures")!;
        Assert.NotEqual(id, again["id"]!.GetValue<string>());
    }

    /// <summary>
    /// Compliance rules: a send to a contact who sent STOP fires <c>opted_out_sends</c> (and only that team's), a send inside
    /// a contact's quiet hours fires <c>quiet_hours_sends</c>; compliance metrics take no dimension filters.
    /// </summary>
    [Fact]
    public async Task A_send_to_a_stopped_contact_and_one_inside_quiet_hours_fire_their_compliance_rules()
    {
        await using var server = await HeraldServer.StartAsync(FastAlerts());
        var (_, key) = await server.CreateTeamAsync("alerts-compliance", "events:write", "metrics:read", "alerts:write");
        var (_, otherKey) = await server.CreateTeamAsync("alerts-compliance-b", "events:write", "metrics:read", "alerts:write");
        var client = server.Client(key);
        var other = server.Client(otherKey);
        foreach (var c in new[] { client, other })
            foreach (var metric in new[] { "opted_out_sends", "quiet_hours_sends" })
                Assert.Equal(HttpStatusCode.Created, (await c.PostAsJsonAsync("/api/v1/alerts/rules", new
                {
                    rule_id = metric, rule_name = metric, metric_name = metric, condition = "gt", threshold = 0, duration = 0,
                    severity = "critical", notification_channels = Array.Empty<string>(), min_volume = 1,
                })).StatusCode);
        await Kit.AssertError(await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_name = "x", metric_name = "opted_out_sends", condition = "gt", threshold = 0, filters = new { provider = "twilio" },
        }), HttpStatusCode.BadRequest, "filters");
        var metrics = await Kit.GetData(client, "/api/v1/alerts/metrics");
        Assert.Equal("compliance", metrics.AsArray().Single(m => m!["name"]!.GetValue<string>() == "quiet_hours_sends")!["source"]!.GetValue<string>());

        // Quiet for this contact: the ten minutes around now, in its own zone.
        var now = DateTimeOffset.UtcNow;
        var tokyo = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        (await client.PutAsJsonAsync("/api/v1/contacts/%2B81300000001", new { time_zone = "Asia/Tokyo",
            quiet_hours = new { start = tokyo.AddMinutes(-5).ToString("HH:mm"), end = tokyo.AddMinutes(5).ToString("HH:mm") } })).EnsureSuccessStatusCode();
        Dictionary<string, object?> Msg(string id, double secondsAgo, string recipient, string direction, string? text = null) => new()
        {
            ["item_id"] = id, ["kind"] = "message", ["status"] = direction == "inbound" ? "delivered" : "sent", ["occurred_at"] = Now(secondsAgo),
            ["direction"] = direction, ["recipient"] = recipient, ["channel"] = "sms", ["text"] = text,
        };
        await Kit.Ingest(client, new[] { Msg("in-1", 60, "+15550001", "inbound", "STOP"), Msg("out-1", 30, "+15550001", "outbound"),
            Msg("out-2", 30, "+81300000001", "outbound"), Msg("out-3", 30, "+15550009", "outbound") }
            .Select(m => m.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)).ToList());
        await Kit.Ingest(other, new[] { Msg("o-1", 30, "+15550001", "outbound") }.Select(m => m.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)).ToList());
        await Evaluations(server, 3);

        var active = (await Kit.GetData(client, "/api/v1/alerts")).AsArray();
        foreach (var metric in new[] { "opted_out_sends", "quiet_hours_sends" })
        {
            var alert = Assert.Single(active, a => a!["rule_id"]!.GetValue<string>() == metric)!;
            Assert.Equal("firing", alert["state"]!.GetValue<string>());
            Assert.Equal(1.0, alert["current_value"]!.GetValue<double>());
            Assert.Equal(3, Kit.Long(alert, "sample_size"));
            Assert.Contains($"{metric} is 1 messages", alert["message"]!.GetValue<string>());
        }
        Assert.DoesNotContain((await Kit.GetData(other, "/api/v1/alerts")).AsArray(), a => a!["rule_id"]!.GetValue<string>() is "opted_out_sends" or "quiet_hours_sends");
    }
    /// <summary>A new team whose webhook channel posts to <paramref name="url"/>, and a rule that fires at once; answers its notification log entry.</summary>
    private static async Task<JsonNode> FireToWebhookAsync(HeraldServer server, string url)
    {
        var (_, key) = await server.CreateTeamAsync("guarded-" + Guid.NewGuid().ToString("n")[..8], "events:write", "metrics:read", "alerts:write");
        var client = server.Client(key);
        (await client.PutAsJsonAsync("/api/v1/alerts/channels/webhook", new { url, secret = Secret })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = "all_failing", rule_name = "All failing", metric_name = "message_failure_rate", condition = "gt", threshold = 5,
            duration = 0, severity = "critical", notification_channels = new[] { "webhook" }, min_volume = 1,
        })).StatusCode);
        await Kit.Ingest(client, Items("f", "acme-sms", delivered: 0, failed: 10));
        JsonNode? logged = null;
        await WaitUntil(async () =>
        {
            var alert = (await Kit.GetData(client, "/api/v1/alerts")).AsArray().FirstOrDefault(a => a!["rule_id"]!.GetValue<string>() == "all_failing");
            if (alert is null) return false;
            var detail = await Kit.GetData(client, $"/api/v1/alerts/{alert["id"]!.GetValue<string>()}");
            logged = detail["notifications"]!.AsArray().FirstOrDefault(n => n!["channel"]!.GetValue<string>() == "webhook");
            return logged is not null;
        }, "the webhook notification's log entry");
        return logged!;
    }

    [Fact]
    public async Task Without_the_allow_list_a_webhook_to_loopback_is_refused_and_the_log_names_no_address()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        await using var server = await HeraldServer.StartAsync(FastAlerts(outboundAllowList: null));
        string port = new Uri(receiver.Url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The address itself, a name that resolves to it, and its IPv4-mapped IPv6 form.
        foreach (var url in new[] { receiver.Url, receiver.Url.Replace("127.0.0.1", "localhost"), receiver.Url.Replace("127.0.0.1", "[::ffff:127.0.0.1]") })
        {
            var logged = await FireToWebhookAsync(server, url);
            Assert.False(logged["ok"]!.GetValue<bool>(), url);
            string error = logged["error"]!.GetValue<string>();
            Assert.Equal(OutboundFailure.NotAllowed, error);
            Assert.DoesNotContain(port, error);
        }
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task A_redirect_from_the_webhook_receiver_is_not_followed()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        receiver.RedirectTo = receiver.Url.Replace("/hooks/alerts", "/internal/admin");
        await using var server = await HeraldServer.StartAsync(FastAlerts());

        var logged = await FireToWebhookAsync(server, receiver.Url);
        Assert.False(logged["ok"]!.GetValue<bool>());
        Assert.Equal("HTTP 302", logged["error"]!.GetValue<string>());
        Assert.NotEmpty(receiver.Requests);
        Assert.All(receiver.Requests, r => Assert.Equal(("POST", "/hooks/alerts"), (r.Method, r.Path)));
    }

    [Fact]
    public async Task An_allow_listed_range_is_reached_and_a_closed_port_there_is_reported_without_its_address()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        await using var server = await HeraldServer.StartAsync(FastAlerts(outboundAllowList: "10.20.0.0/16, 127.0.0.0/8"));

        var delivered = await FireToWebhookAsync(server, receiver.Url.Replace("127.0.0.1", "localhost"));
        Assert.True(delivered["ok"]!.GetValue<bool>(), delivered["error"]?.GetValue<string>());
        Assert.Contains(receiver.Requests, r => r.Method == "POST" && r.Path == "/hooks/alerts");

        string closed = Herald.Tests.Otp.OtpKit.ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var failed = await FireToWebhookAsync(server, $"http://127.0.0.1:{closed}/hooks/alerts");
        Assert.False(failed["ok"]!.GetValue<bool>());
        string error = failed["error"]!.GetValue<string>();
        Assert.Equal("the connection failed", error);
        Assert.DoesNotContain(closed, error);
    }
}
