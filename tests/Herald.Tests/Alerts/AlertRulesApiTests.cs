using System.Net;
using Herald.Alerts;
using System.Net.Http.Json;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Alerts;

public sealed class AlertRulesApiTests
{
    private static object Rule(string? id = "fail5", string? metric = "message_failure_rate", string? condition = "gt", double? threshold = 5) => new
    {
        rule_id = id, rule_name = "High failure rate", metric_name = metric, condition, threshold, duration = 300, severity = "critical",
        notification_channels = new[] { "email" }, filters = new { channel = "sms", provider = new[] { "twilio", "vonage" } }, min_volume = 100,
    };

    [Fact]
    public async Task Crud_validation_defaults_and_team_isolation()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        var (teamA, keyA) = await server.CreateTeamAsync("rules-a", "metrics:read", "alerts:write");
        var (_, keyB) = await server.CreateTeamAsync("rules-b", "metrics:read", "alerts:write");
        var (_, readOnly) = await server.CreateTeamAsync("rules-c", "metrics:read");
        var a = server.Client(keyA);
        var b = server.Client(keyB);

        // The seeds' defaults are there from the start.
        var defaults = (await Kit.GetData(a, "/api/v1/alerts/rules")).AsArray();
        var ids = defaults.Select(r => r!["rule_id"]!.GetValue<string>()).ToList();
        Assert.Equal(["high_failure_rate", "low_delivery_rate", "critical_delivery_rate", "slow_response_time", "high_cpu", "high_memory",
            "high_disk", "webhook_processing_delay", "rate_limit_exceeded", "database_connection_issues", "compliance_violation"], ids);
        var cpu = defaults.Single(r => r!["rule_id"]!.GetValue<string>() == "high_cpu")!;
        Assert.Equal(80, cpu["threshold"]!.GetValue<double>());
        Assert.True(cpu["is_default"]!.GetValue<bool>());
        Assert.Equal("lt", defaults.Single(r => r!["rule_id"]!.GetValue<string>() == "critical_delivery_rate")!["condition"]!.GetValue<string>());

        var created = await a.PostAsJsonAsync("/api/v1/alerts/rules", Rule());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/alerts/rules/fail5", created.Headers.Location!.ToString());
        var data = await HeraldServer.ReadData(created);
        Assert.Equal(300, data["duration"]!.GetValue<int>());
        Assert.Equal(["twilio", "vonage"], data["filters"]!["provider"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(["sms"], data["filters"]!["channel"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.False(data["is_default"]!.GetValue<bool>());
        await Kit.AssertError(await a.PostAsJsonAsync("/api/v1/alerts/rules", Rule()), HttpStatusCode.Conflict, "rule_id");

        // Validation: 400 naming the field.
        await Kit.AssertError(await a.PostAsJsonAsync("/api/v1/alerts/rules", Rule(metric: "nope")), HttpStatusCode.BadRequest, "metric_name");
        await Kit.AssertError(await a.PostAsJsonAsync("/api/v1/alerts/rules", Rule(condition: "eq")), HttpStatusCode.BadRequest, "condition");
        await Kit.AssertError(await a.PostAsJsonAsync("/api/v1/alerts/rules", Rule(threshold: null)), HttpStatusCode.BadRequest, "threshold");
        await Kit.AssertError(await a.PostAsJsonAsync("/api/v1/alerts/rules", Rule(threshold: 150)), HttpStatusCode.BadRequest, "threshold");
        await Kit.AssertError(await a.PostAsJsonAsync("/api/v1/alerts/rules", Rule(id: "Bad Id!")), HttpStatusCode.BadRequest, "rule_id");
        await Kit.AssertError(await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"rule_name":"x","metric_name":"volume","condition":"gt","threshold":1,"duration":-1}""")),
            HttpStatusCode.BadRequest, "duration");
        await Kit.AssertError(await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"rule_name":"x","metric_name":"volume","condition":"gt","threshold":1,"severity":"urgent"}""")),
            HttpStatusCode.BadRequest, "severity");
        await Kit.AssertError(await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"rule_name":"x","metric_name":"volume","condition":"gt","threshold":1,"notification_channels":["pager"]}""")),
            HttpStatusCode.BadRequest, "notification_channels");
        await Kit.AssertError(await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"rule_name":"x","metric_name":"volume","condition":"gt","threshold":1,"filters":{"colour":"red"}}""")),
            HttpStatusCode.BadRequest, "filters");
        await Kit.AssertError(await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"rule_name":"x","metric_name":"cpu_percent","condition":"gt","threshold":1,"filters":{"provider":"twilio"}}""")),
            HttpStatusCode.BadRequest, "filters");
        await Kit.AssertError(await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"metric_name":"volume","condition":"gt","threshold":1}""")),
            HttpStatusCode.BadRequest, "rule_name");
        await Kit.AssertError(await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"rule_name":"x","metric_name":"volume","condition":"gt","threshold":1,"min_volume":-3}""")),
            HttpStatusCode.BadRequest, "min_volume");
        await Kit.AssertError(await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"rule_name":"x","metric_name":"volume","condition":"gt","threshold":"high"}""")),
            HttpStatusCode.BadRequest, "threshold");

        // A generated id when none is given.
        var generated = await a.PostAsync("/api/v1/alerts/rules", HeraldServer.Json("""{"rule_name":"Volume","metric_name":"volume","condition":"lt","threshold":10}"""));
        Assert.Equal(HttpStatusCode.Created, generated.StatusCode);
        Assert.StartsWith("rule_", (await HeraldServer.ReadData(generated))["rule_id"]!.GetValue<string>());

        // PUT changes only what it names; disabling a default works.
        var put = await a.PutAsJsonAsync("/api/v1/alerts/rules/fail5", new { threshold = 7.5, enabled = false });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var changed = await HeraldServer.ReadData(put);
        Assert.Equal(7.5, changed["threshold"]!.GetValue<double>());
        Assert.False(changed["enabled"]!.GetValue<bool>());
        Assert.Equal("High failure rate", changed["rule_name"]!.GetValue<string>());
        Assert.Equal(100, changed["min_volume"]!.GetValue<long>());
        await Kit.AssertError(await a.PutAsJsonAsync("/api/v1/alerts/rules/fail5", new { condition = "between" }), HttpStatusCode.BadRequest, "condition");
        Assert.Equal(HttpStatusCode.OK, (await a.PutAsJsonAsync("/api/v1/alerts/rules/high_cpu", new { enabled = false, threshold = 95 })).StatusCode);
        var cpuNow = await Kit.GetData(a, "/api/v1/alerts/rules/high_cpu");
        Assert.False(cpuNow["enabled"]!.GetValue<bool>());
        Assert.Equal(95, cpuNow["threshold"]!.GetValue<double>());

        // Isolation: team B sees neither A's rule nor can change or delete it; its defaults are its own.
        await Kit.AssertError(await b.GetAsync("/api/v1/alerts/rules/fail5"), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await b.PutAsJsonAsync("/api/v1/alerts/rules/fail5", new { threshold = 1 }), HttpStatusCode.NotFound);
        await Kit.AssertError(await b.DeleteAsync("/api/v1/alerts/rules/fail5"), HttpStatusCode.NotFound);
        Assert.True((await Kit.GetData(b, "/api/v1/alerts/rules/high_cpu"))["enabled"]!.GetValue<bool>());
        Assert.Equal(AlertRules.Defaults.Count, (await Kit.GetData(b, "/api/v1/alerts/rules")).AsArray().Count);
        await Kit.AssertError(await b.GetAsync("/api/v1/alerts/rules?team=rules-a"), HttpStatusCode.Forbidden);

        // Writing needs alerts:write; an admin key names the team.
        await Kit.AssertError(await server.Client(readOnly).PostAsJsonAsync("/api/v1/alerts/rules", Rule()), HttpStatusCode.Forbidden);
        await Kit.AssertError(await server.Admin.GetAsync("/api/v1/alerts/rules"), HttpStatusCode.BadRequest, "team");
        Assert.Equal(AlertRules.Defaults.Count + 2, (await Kit.GetData(server.Admin, $"/api/v1/alerts/rules?team={teamA}")).AsArray().Count);

        // Deleting: a deleted default stays deleted (defaults are given once).
        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync("/api/v1/alerts/rules/fail5")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync("/api/v1/alerts/rules/high_disk")).StatusCode);
        await Kit.AssertError(await a.GetAsync("/api/v1/alerts/rules/fail5"), HttpStatusCode.NotFound);
        await server.RestartAsync();
        a = server.Client(keyA);
        var after = (await Kit.GetData(a, "/api/v1/alerts/rules")).AsArray().Select(r => r!["rule_id"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain("high_disk", after);
        Assert.DoesNotContain("fail5", after);
        Assert.Equal(AlertRules.Defaults.Count, after.Count);
    }

    [Fact]
    public async Task Channels_validate_and_mask_secrets()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        var (_, key) = await server.CreateTeamAsync("channels", "metrics:read", "alerts:write");
        var c = server.Client(key);
        await Kit.AssertError(await c.PutAsJsonAsync("/api/v1/alerts/channels/webhook", new { url = "ftp://x", secret = "0123456789" }), HttpStatusCode.BadRequest, "url");
        await Kit.AssertError(await c.PutAsJsonAsync("/api/v1/alerts/channels/webhook", new { url = "https://hooks.example.com/a" }), HttpStatusCode.BadRequest, "secret");
        await Kit.AssertError(await c.PutAsJsonAsync("/api/v1/alerts/channels/email", new { recipients = new[] { "not an address" }, settings = new { host = "h", from = "a@b.c" } }),
            HttpStatusCode.BadRequest, "recipients");
        await Kit.AssertError(await c.PutAsJsonAsync("/api/v1/alerts/channels/email", new { recipients = new[] { "ops@example.com" }, settings = new { host = "h" } }),
            HttpStatusCode.BadRequest, "settings");
        Assert.Equal(HttpStatusCode.OK, (await c.PutAsJsonAsync("/api/v1/alerts/channels/webhook", new { url = "https://hooks.example.com/a", secret = "0123456789" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.PutAsJsonAsync("/api/v1/alerts/channels/email",
            new { recipients = new[] { "ops@example.com" }, settings = new { host = "mail.example.com", from = "a@example.com", password = "hunter22" } })).StatusCode);
        // Sending the mask back keeps the stored secret.
        Assert.Equal(HttpStatusCode.OK, (await c.PutAsJsonAsync("/api/v1/alerts/channels/webhook", new { url = "https://hooks.example.com/b", secret = "********" })).StatusCode);
        var list = (await Kit.GetData(c, "/api/v1/alerts/channels")).AsArray();
        Assert.Equal(2, list.Count);
        string text = list.ToJsonString();
        Assert.DoesNotContain("0123456789", text);
        Assert.DoesNotContain("hunter22", text);
        Assert.Contains("hooks.example.com/b", text);
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync("/api/v1/alerts/channels/email")).StatusCode);
        await Kit.AssertError(await c.DeleteAsync("/api/v1/alerts/channels/email"), HttpStatusCode.NotFound);
    }
}
