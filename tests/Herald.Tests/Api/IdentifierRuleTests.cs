using System.Net;
using System.Net.Http.Json;
using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>
/// Every identifier a client names for Herald to keep (in a path, a body or an event) is held to the events' rule: no
/// control characters (CR/LF above all), not blank, a length cap. A bad one is a 400 naming the field and changes nothing.
/// (Lookups by an impossible id simply find nothing: 404.)
/// </summary>
public sealed class IdentifierRuleTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;

    private static async Task<string> IssueOf(HttpResponseMessage response, string field)
    {
        var error = await Kit.AssertError(response, HttpStatusCode.BadRequest, field, "invalid_parameter");
        return error["details"]![0]!["issue"]!.GetValue<string>();
    }

    [Theory]
    [InlineData("spring%0D%0Ax-injected: 1", "must not contain control characters")]
    [InlineData("spring%0A", "must not contain control characters")]
    [InlineData("tab%09", "must not contain control characters")]
    [InlineData("%20%20", "must not be blank")]
    public async Task A_campaign_id_with_a_line_break_or_control_character_is_refused_and_not_stored(string id, string issue)
    {
        var (_, client) = await shared.NewTeamAsync("events:write", "metrics:read", "reports:write");
        Assert.Equal(issue, await IssueOf(await client.PutAsJsonAsync($"/api/v1/campaigns/{id}", new { total_recipients = 10 }), "campaign_id"));
        Assert.Empty((await Kit.GetData(client, "/api/v1/campaigns")).AsArray());
        Assert.Equal(issue, await IssueOf(await client.PostAsync($"/api/v1/analytics/reports/campaigns/{id}?format=json", null), "campaign_id"));
    }

    [Fact]
    public async Task Campaign_ids_and_accounts_follow_the_event_caps()
    {
        var (_, client) = await shared.NewTeamAsync("events:write", "metrics:read");
        Assert.Equal("must be at most 128 characters",
            await IssueOf(await client.PutAsJsonAsync($"/api/v1/campaigns/{new string('c', 129)}", new { total_recipients = 1 }), "campaign_id"));
        Assert.Equal("must not contain control characters",
            await IssueOf(await client.PutAsJsonAsync("/api/v1/campaigns/ok", new { total_recipients = 1, account = "acme\r\nx" }), "account"));
        Assert.Equal("must not contain control characters",
            await IssueOf(await client.PutAsJsonAsync("/api/v1/campaigns/ok", new { total_recipients = 1, account = "nul\0" }), "account"));
        Assert.Empty((await Kit.GetData(client, "/api/v1/campaigns")).AsArray());

        var declared = await client.PutAsJsonAsync($"/api/v1/campaigns/{new string('c', 128)}", new { total_recipients = 1, account = " acme " });
        Assert.Equal(HttpStatusCode.OK, declared.StatusCode);
        Assert.Equal("acme", (await HeraldServer.ReadData(declared))["account"]!.GetValue<string>());
    }

    [Fact]
    public async Task Team_key_and_account_names_are_identifiers()
    {
        string before = await (await Server.Admin.GetAsync("/api/v1/teams")).Content.ReadAsStringAsync();
        Assert.Equal("must not contain control characters", await IssueOf(await Server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = "ops\nroot" }), "name"));
        Assert.Equal("must be at most 64 characters", await IssueOf(await Server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = new string('t', 65) }), "name"));
        Assert.Equal("is required", await IssueOf(await Server.Admin.PostAsJsonAsync("/api/v1/teams", new { }), "name"));
        Assert.Equal(before, await (await Server.Admin.GetAsync("/api/v1/teams")).Content.ReadAsStringAsync());

        var (teamId, client) = await shared.NewTeamAsync("events:write", "metrics:read");
        Assert.Equal("must not contain control characters",
            await IssueOf(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "ci\r\nkey", scopes = new[] { "events:write" } }), "name"));
        Assert.Equal("must not contain control characters",
            await IssueOf(await Server.Admin.PutAsJsonAsync($"/api/v1/accounts/acme%0D?team={teamId}", new { tps_limit = 5 }), "name"));
        Assert.Empty((await Kit.GetData(client, "/api/v1/accounts")).AsArray());
    }

    [Fact]
    public async Task Contacts_otp_users_and_who_acknowledged_are_identifiers()
    {
        var (_, client) = await shared.NewTeamAsync("events:write", "metrics:read", "otp:send", "alerts:write");
        Assert.Equal("must not contain control characters",
            await IssueOf(await client.PutAsJsonAsync("/api/v1/contacts/%2B15550001%0A", new { time_zone = "Europe/Paris" }), "recipient"));
        Assert.Equal("must not contain control characters",
            await IssueOf(await client.PostAsJsonAsync("/api/v1/otp", new { user_id = "u\r\n1", channel = "sms", recipient = "+14155550100" }), "user_id"));
        Assert.Equal("must not contain control characters",
            await IssueOf(await client.PostAsync("/api/v1/alerts/alt_nope/acknowledge", HeraldServer.Json(new { by = "alice\r\nbob" })), "by"));
        var rule = await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_name = "x", metric_name = "message_failure_rate", condition = "gt", threshold = 5, filters = new { provider = new[] { "ok", "tw\r\nilio" } },
        });
        Assert.Equal("a 'provider' value must not contain control characters", await IssueOf(rule, "filters"));
    }

    [Fact]
    public async Task A_blank_event_id_or_item_id_is_rejected_like_one_with_a_control_character()
    {
        var (_, client) = await shared.NewTeamAsync("events:write", "metrics:read");
        var data = await Kit.Ingest(client, new object[]
        {
            new { item_id = "   ", status = "sent", occurred_at = Kit.At(1) },
            new { item_id = "ok", event_id = "\t", status = "sent", occurred_at = Kit.At(1) },
            new { item_id = "ok", status = "sent", occurred_at = Kit.At(1), campaign = "spring\r\n" },
        });
        Assert.Equal(0, Kit.Int(data, "accepted"));
        Assert.Equal(["item_id must not be blank", "event_id must not be blank", "campaign must not contain control characters"],
            data["rejected"]!.AsArray().Select(r => r!["error"]!.GetValue<string>()));
    }
}
