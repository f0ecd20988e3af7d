using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Alerts;
using Herald.Outbound;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Alerts;

/// <summary>
/// Seed 004's <c>"sms"</c> notification channel: a firing rule texts each number through Herald's Twilio sender. Twilio is
/// unreachable here, so a local double records what it is sent: the exact request Twilio's Messages API takes.
/// </summary>
public sealed class SmsAlertTests
{
    private const string Sid = "AC0123456789abcdef0123456789abcdef";
    private const string Token = "alert_auth_token_0123";
    private const string Created = """{"sid":"SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","status":"queued","error_code":null,"error_message":null}""";

    private static Dictionary<string, string?> FastAlerts() => new()
    {
        ["Herald:Alerts:EvaluationInterval"] = "00:00:00.250",
        ["Herald:Alerts:NotificationBackoff"] = "00:00:00.050",
        [OutboundPolicy.AllowListSetting] = "127.0.0.1", // the Twilio double listens on loopback
    };

    private static object Channel(FakeTwilio twilio, string[]? recipients = null, string? sender = "twilio", bool settings = true) => new
    {
        recipients = recipients ?? ["+447700900123", "+15005550001"],
        sender,
        settings = settings
            ? new Dictionary<string, string> { ["account_sid"] = Sid, ["auth_token"] = Token, ["from"] = "+15005550006", ["base_url"] = twilio.BaseUrl }
            : null,
    };

    [Fact]
    public async Task A_firing_rule_texts_every_number_through_twilio_and_the_token_is_never_shown()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.Response = (201, Created, TimeSpan.Zero);
        await using var server = await HeraldServer.StartAsync(FastAlerts());
        var (_, key) = await server.CreateTeamAsync("sms-alerts", "events:write", "metrics:read", "alerts:write");
        using var client = server.Client(key);

        var put = await client.PutAsJsonAsync("/api/v1/alerts/channels/sms", Channel(twilio));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var shown = await HeraldServer.ReadData(put);
        Assert.Equal("sms", shown["channel"]!.GetValue<string>());
        Assert.Equal("twilio", shown["config"]!["sender"]!.GetValue<string>());
        Assert.Equal("********", shown["config"]!["settings"]!["auth_token"]!.GetValue<string>());
        var listed = (await Kit.GetData(client, "/api/v1/alerts/channels")).AsArray().Single(c => c!["channel"]!.GetValue<string>() == "sms")!;
        Assert.DoesNotContain(Token, listed.ToJsonString());

        // Sending the mask back keeps the stored token: the texts below still authenticate with it.
        var channel = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Channel(twilio)))!;
        channel["settings"]!["auth_token"] = "********";
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("/api/v1/alerts/channels/sms", HeraldServer.Json(channel.ToJsonString()))).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = "all_failing", rule_name = "All failing", metric_name = "message_failure_rate", condition = "gt", threshold = 5,
            duration = 0, severity = "critical", notification_channels = new[] { "sms" }, min_volume = 1,
        })).StatusCode);
        var events = new List<object>();
        for (int i = 0; i < 10; i++)
            events.Add(Kit.Event($"f-{i}", "failed", Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-10)), kind: "message", provider: "acme-sms", channel: "sms"));
        await Kit.Ingest(client, events);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (twilio.Requests.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
        var alert = (await Kit.GetData(client, "/api/v1/alerts")).AsArray().Single(a => a!["rule_id"]!.GetValue<string>() == "all_failing")!;
        string alertId = alert["id"]!.GetValue<string>();

        var texts = twilio.Requests.ToList();
        Assert.Equal(2, texts.Count);
        foreach (var (request, to) in texts.Zip(new[] { "+447700900123", "+15005550001" }))
        {
            Assert.Equal("POST", request.Method);
            Assert.Equal($"/2010-04-01/Accounts/{Sid}/Messages.json", request.Path);
            Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sid}:{Token}")), request.Authorization);
            Assert.Equal("application/x-www-form-urlencoded", request.ContentType);
            Assert.Equal(new Dictionary<string, string>
            {
                ["To"] = to,
                ["From"] = "+15005550006",
                ["Body"] = $"[Herald] FIRING critical: All failing (sms-alerts): message_failure_rate 100 > 5. {alertId}",
            }, QueryHelpers.ParseQuery(request.Body).ToDictionary(kv => kv.Key, kv => kv.Value.Single()!));
        }

        await server.Services.GetRequiredService<AlertEngine>().DrainAsync();
        var logged = Assert.Single((await Kit.GetData(client, $"/api/v1/alerts/{alertId}"))["notifications"]!.AsArray())!;
        Assert.Equal("sms", logged["channel"]!.GetValue<string>());
        Assert.Equal("firing", logged["event"]!.GetValue<string>());
        Assert.True(logged["ok"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_refused_text_is_logged_as_failed_and_a_bad_channel_is_a_400_that_stores_nothing()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var server = await HeraldServer.StartAsync(FastAlerts());
        var (_, key) = await server.CreateTeamAsync("sms-bad", "events:write", "metrics:read", "alerts:write");
        using var client = server.Client(key);

        await Kit.AssertError(await client.PutAsJsonAsync("/api/v1/alerts/channels/sms", Channel(twilio, recipients: ["07700 900123"])), HttpStatusCode.BadRequest, "recipients");
        await Kit.AssertError(await client.PutAsJsonAsync("/api/v1/alerts/channels/sms", Channel(twilio, recipients: [])), HttpStatusCode.BadRequest, "recipients");
        await Kit.AssertError(await client.PutAsJsonAsync("/api/v1/alerts/channels/sms", Channel(twilio, sender: "smtp")), HttpStatusCode.BadRequest, "sender");
        await Kit.AssertError(await client.PutAsJsonAsync("/api/v1/alerts/channels/sms", Channel(twilio, sender: null)), HttpStatusCode.BadRequest, "sender");
        await Kit.AssertError(await client.PutAsJsonAsync("/api/v1/alerts/channels/sms", Channel(twilio, settings: false)), HttpStatusCode.BadRequest, "settings");
        Assert.DoesNotContain((await Kit.GetData(client, "/api/v1/alerts/channels")).AsArray(), c => c!["channel"]!.GetValue<string>() == "sms");

        // Twilio refuses the number (21211): the notification is logged as failed with Twilio's code, after its retries.
        twilio.Response = (400, """{"code":21211,"message":"The 'To' number +15005550001 is not a valid phone number.","status":400}""", TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/v1/alerts/channels/sms", Channel(twilio, recipients: ["+15005550001"]))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = "all_failing", rule_name = "All failing", metric_name = "message_failure_rate", condition = "gt", threshold = 5,
            duration = 0, severity = "high", notification_channels = new[] { "sms" }, min_volume = 1,
        })).StatusCode);
        await Kit.Ingest(client, Enumerable.Range(0, 5).Select(i =>
            Kit.Event($"f-{i}", "failed", Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-10)), kind: "message", channel: "sms")).ToList());

        JsonNode? logged = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); logged is null; await Task.Delay(100))
        {
            Assert.True(DateTime.UtcNow < deadline, "no sms notification was logged");
            var alert = (await Kit.GetData(client, "/api/v1/alerts")).AsArray().FirstOrDefault(a => a!["rule_id"]!.GetValue<string>() == "all_failing");
            if (alert is null) continue;
            logged = (await Kit.GetData(client, $"/api/v1/alerts/{alert["id"]!.GetValue<string>()}"))["notifications"]!.AsArray()
                .FirstOrDefault(n => n!["channel"]!.GetValue<string>() == "sms");
        }
        Assert.False(logged["ok"]!.GetValue<bool>());
        Assert.Contains("+15005550001: 21211", logged["error"]!.GetValue<string>());
        Assert.Equal(server.Services.GetRequiredService<AlertOptions>().NotificationAttempts, logged["attempts"]!.GetValue<int>());
        Assert.Equal(logged["attempts"]!.GetValue<int>(), twilio.Requests.Count);
    }
}
