using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>API keys on SQLite.</summary>
public sealed class AuthAndIsolationTests(SharedServer shared) : AuthAndIsolationTests<SharedServer>(shared);

/// <summary>API keys on PostgreSQL.</summary>
public sealed class AuthAndIsolationOnPostgresTests(PostgresSharedServer shared) : AuthAndIsolationTests<PostgresSharedServer>(shared);

/// <summary>
/// API keys: team isolation, scopes, admin-only routes, rate limits, revocation, expiry, usage and one-time display; on the
/// store provider the server fixture runs.
/// </summary>
public abstract class AuthAndIsolationTests<TServer>(TServer shared) : IClassFixture<TServer> where TServer : SharedServer
{
    private HeraldServer Server => shared.Server;

    private async Task<JsonNode> CreateKeyAsync(object body)
    {
        var response = await Server.Admin.PostAsJsonAsync("/api/v1/keys", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"expected 201, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["data"]!;
    }

    private async Task<JsonNode> ListedKeyAsync(string keyId)
    {
        var keys = (await Kit.GetData(Server.Admin, "/api/v1/keys")).AsArray();
        return keys.Single(k => k!["id"]!.GetValue<string>() == keyId)!;
    }

    [Fact]
    public async Task A_team_key_never_sees_another_teams_items_or_metrics()
    {
        var (teamA, a) = await shared.NewTeamAsync();
        var (teamB, b) = await shared.NewTeamAsync();
        await Kit.Ingest(a, new[]
        {
            Kit.Event("a-1", "sent", Kit.At(100), provider: "twilio"),
            Kit.Event("a-2", "sent", Kit.At(101), provider: "twilio"),
            Kit.Event("shared-id", "sent", Kit.At(102), provider: "twilio"),
        });
        await Kit.Ingest(b, new[]
        {
            Kit.Event("b-1", "sent", Kit.At(100), provider: "sinch"),
            Kit.Event("b-1", "delivered", Kit.At(100.5), provider: "sinch"),
            Kit.Event("b-2", "sent", Kit.At(103), provider: "sinch"),
            Kit.Event("b-3", "sent", Kit.At(104), provider: "sinch"),
            Kit.Event("b-4", "failed", Kit.At(105), provider: "sinch"),
            Kit.Event("shared-id", "delivered", Kit.At(106), provider: "sinch"),
        });

        var summaryA = await Kit.Summary(a);
        var summaryB = await Kit.Summary(b);
        Assert.Equal(3, Kit.Long(summaryA, "total"));
        Assert.Equal(0, Kit.Long(summaryA, "delivered"));
        Assert.Equal(5, Kit.Long(summaryB, "total"));
        Assert.Equal(2, Kit.Long(summaryB, "delivered"));
        Assert.Equal(1, Kit.Long(summaryB, "failed"));
        Assert.Equal(0, Kit.Long(await Kit.Summary(a, "&provider=sinch"), "total"));

        var rowsA = (await Kit.GetData(a, $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}"))["rows"]!.AsArray();
        Assert.Equal(["twilio"], rowsA.Select(r => r!["key"]!.GetValue<string>()).ToArray());
        var pointsA = (await Kit.GetData(a, $"/api/v1/metrics/timeseries?granularity=day&{Kit.DayWindow}"))["points"]!.AsArray();
        Assert.Equal(3, pointsA.Sum(p => Kit.Long(p!, "total")));
        Assert.Equal(3, pointsA.Sum(p => Kit.Long(p!, "events")));

        // B's items are invisible to A, even by id; the same item_id in both teams is two separate items.
        Assert.Null(await Kit.Item(a, "b-1"));
        Assert.NotNull(await Kit.Item(b, "b-1"));
        Assert.Equal("sent", (await Kit.Item(a, "shared-id"))!["status"]!.GetValue<string>());
        Assert.Equal("delivered", (await Kit.Item(b, "shared-id"))!["status"]!.GetValue<string>());
        Assert.Equal(teamA, (await Kit.Item(a, "shared-id"))!["team"]!.GetValue<string>());
        var history = (await Kit.GetData(a, "/api/v1/recipients/anyone/history")).AsArray();
        Assert.Empty(history);

        // Naming another team is forbidden; naming its own is fine.
        await Kit.AssertError(await a.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}&team={teamB}"), HttpStatusCode.Forbidden, code: "forbidden");
        await Kit.AssertError(await a.GetAsync($"/api/v1/items/b-1?team={teamB}"), HttpStatusCode.Forbidden);
        await Kit.AssertError(await a.GetAsync($"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}&team={teamB}"), HttpStatusCode.Forbidden);
        await Kit.AssertError(await a.PostAsync($"/api/v1/events?team={teamB}", HeraldServer.Json(new[] { Kit.Event("sneak", "sent", Kit.At(1)) })),
            HttpStatusCode.Forbidden);
        Assert.Null(await Kit.Item(b, "sneak"));
        Assert.Equal(5, Kit.Long(await Kit.Summary(b), "total"));
        Assert.Equal(3, Kit.Long(await Kit.GetData(a, $"/api/v1/metrics/summary?{Kit.DayWindow}&team={teamA}"), "total"));

        // The admin key sees both, per team, and must name the team of an ambiguous item.
        Assert.Equal(5, Kit.Long(await Kit.GetData(Server.Admin, $"/api/v1/metrics/summary?{Kit.DayWindow}&team={teamB}"), "total"));
        await Kit.AssertError(await Server.Admin.GetAsync("/api/v1/items/shared-id"), HttpStatusCode.BadRequest, field: "team");
        Assert.Equal("delivered", (await Kit.Item(Server.Admin, "shared-id", $"?team={teamB}"))!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Scopes_are_enforced()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        using var reader = Server.Client(await Server.CreateKeyAsync(teamId, ["metrics:read"]));
        using var writer = Server.Client(await Server.CreateKeyAsync(teamId, ["events:write"]));

        var response = await reader.PostAsync("/api/v1/events", HeraldServer.Json(new[] { Kit.Event("s-1", "sent", Kit.At(1)) }));
        await Kit.AssertError(response, HttpStatusCode.Forbidden, code: "forbidden");

        await Kit.Ingest(writer, new[] { Kit.Event("s-2", "sent", Kit.At(2)) });
        foreach (var path in new[]
                 {
                     $"/api/v1/metrics/summary?{Kit.DayWindow}", $"/api/v1/metrics/timeseries?{Kit.DayWindow}",
                     $"/api/v1/metrics/breakdown?by=kind&{Kit.DayWindow}", "/api/v1/items/s-2", "/api/v1/recipients/x/history",
                 })
            await Kit.AssertError(await writer.GetAsync(path), HttpStatusCode.Forbidden, code: "forbidden");

        Assert.Null(await Kit.Item(reader, "s-1"));
        Assert.NotNull(await Kit.Item(reader, "s-2"));
        Assert.Equal(1, Kit.Long(await Kit.Summary(reader), "total"));
    }

    [Fact]
    public async Task A_team_key_cannot_manage_teams_or_keys()
    {
        var (teamId, client) = await shared.NewTeamAsync("events:write", "metrics:read", "reports:write");
        await Kit.AssertError(await client.PostAsJsonAsync("/api/v1/teams", new { name = "intruder" }), HttpStatusCode.Forbidden, code: "forbidden");
        await Kit.AssertError(await client.GetAsync("/api/v1/teams"), HttpStatusCode.Forbidden);
        await Kit.AssertError(await client.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "mine", scopes = new[] { "admin" } }),
            HttpStatusCode.Forbidden);
        await Kit.AssertError(await client.GetAsync("/api/v1/keys"), HttpStatusCode.Forbidden);
        var someKey = (await Kit.GetData(Server.Admin, "/api/v1/keys")).AsArray()[0]!["id"]!.GetValue<string>();
        await Kit.AssertError(await client.DeleteAsync($"/api/v1/keys/{someKey}"), HttpStatusCode.Forbidden);

        var teams = (await Kit.GetData(Server.Admin, "/api/v1/teams")).AsArray();
        Assert.DoesNotContain(teams, t => t!["name"]!.GetValue<string>() == "intruder");
        Assert.Null((await ListedKeyAsync(someKey))["revoked_at"]);
    }

    [Fact]
    public async Task A_rate_limited_key_gets_429_with_Retry_After_on_the_4th_request()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(teamId, ["metrics:read"], rateLimit: new { requests = 3, period = 60000 }));
        for (int i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")).StatusCode);

        var response = await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}");
        await Kit.AssertError(response, HttpStatusCode.TooManyRequests, code: "rate_limited");
        Assert.True(response.Headers.TryGetValues("Retry-After", out var values), "429 without Retry-After");
        int retryAfter = int.Parse(values.Single());
        Assert.InRange(retryAfter, 1, 60);

        // The limit is per key: another key of the same team is not affected.
        using var other = Server.Client(await Server.CreateKeyAsync(teamId, ["metrics:read"]));
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/v1/items/x")).StatusCode);
    }

    [Fact]
    public async Task Rate_limit_defaults_apply_to_read_keys_but_not_to_ingesting_keys()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        var reader = await CreateKeyAsync(new { team_id = teamId, name = "reader", scopes = new[] { "metrics:read" } });
        var writer = await CreateKeyAsync(new { team_id = teamId, name = "writer", scopes = new[] { "events:write" } });
        var custom = await CreateKeyAsync(new { team_id = teamId, name = "custom", scopes = new[] { "metrics:read" }, rate_limit = new { requests = 3, period = 60000 } });

        var listedReader = await ListedKeyAsync(reader["id"]!.GetValue<string>());
        Assert.Equal(1000, listedReader["rate_limit"]!["requests"]!.GetValue<int>());
        Assert.Equal(900000, listedReader["rate_limit"]!["period"]!.GetValue<long>());
        var listedWriter = await ListedKeyAsync(writer["id"]!.GetValue<string>());
        Assert.Null(listedWriter["rate_limit"]);
        var listedCustom = await ListedKeyAsync(custom["id"]!.GetValue<string>());
        Assert.Equal(3, listedCustom["rate_limit"]!["requests"]!.GetValue<int>());
        Assert.Equal(60000, listedCustom["rate_limit"]!["period"]!.GetValue<long>());
    }

    [Fact]
    public async Task Bad_key_requests_are_400_naming_the_field()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "x", scopes = new[] { "metrics:read" }, rate_limit = new { requests = 0, period = 60000 } }),
            HttpStatusCode.BadRequest, field: "rate_limit");
        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "x", scopes = new[] { "metrics:write" } }),
            HttpStatusCode.BadRequest, field: "scopes");
        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "x", scopes = Array.Empty<string>() }),
            HttpStatusCode.BadRequest, field: "scopes");
        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = "tm_nope", name = "x", scopes = new[] { "metrics:read" } }),
            HttpStatusCode.BadRequest, field: "team_id");
        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { name = "x", scopes = new[] { "metrics:read" } }),
            HttpStatusCode.BadRequest, field: "team_id");
        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, scopes = new[] { "metrics:read" } }),
            HttpStatusCode.BadRequest, field: "name");
        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "x", scopes = new[] { "metrics:read" }, expires_at = DateTimeOffset.UtcNow.AddMinutes(-1) }),
            HttpStatusCode.BadRequest, field: "expires_at");
        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = "" }), HttpStatusCode.BadRequest, field: "name");
    }

    [Fact]
    public async Task A_revoked_key_is_401()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        var created = await CreateKeyAsync(new { team_id = teamId, name = "to revoke", scopes = new[] { "metrics:read", "events:write" } });
        using var client = Server.Client(created["key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")).StatusCode);

        string id = created["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await Server.Admin.DeleteAsync($"/api/v1/keys/{id}")).StatusCode);

        await Kit.AssertError(await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}"), HttpStatusCode.Unauthorized, code: "unauthorized");
        await Kit.AssertError(await client.PostAsync("/api/v1/events", HeraldServer.Json(new[] { Kit.Event("after-revoke", "sent", Kit.At(1)) })),
            HttpStatusCode.Unauthorized);
        Assert.Null(await Kit.Item(Server.Admin, "after-revoke"));
        Assert.NotNull((await ListedKeyAsync(id))["revoked_at"]);
        // Revoking again, or an unknown key, is 404.
        await Kit.AssertError(await Server.Admin.DeleteAsync($"/api/v1/keys/{id}"), HttpStatusCode.NotFound);
        await Kit.AssertError(await Server.Admin.DeleteAsync("/api/v1/keys/key_000000000000"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_expired_key_is_401()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(teamId, ["metrics:read"], expiresAt: DateTimeOffset.UtcNow.AddSeconds(2)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Kit.AssertError(await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}"), HttpStatusCode.Unauthorized, code: "unauthorized");
    }

    [Fact]
    public async Task Key_usage_count_and_last_used_at_are_recorded()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var created = await CreateKeyAsync(new { team_id = teamId, name = "counted", scopes = new[] { "metrics:read" } });
        string id = created["id"]!.GetValue<string>();
        var fresh = await ListedKeyAsync(id);
        Assert.Equal(0, Kit.Long(fresh, "usage_count"));
        Assert.Null(fresh["last_used_at"]);

        using var client = Server.Client(created["key"]!.GetValue<string>());
        for (int i = 0; i < 4; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")).StatusCode);

        JsonNode listed = fresh;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            listed = await ListedKeyAsync(id);
            if (Kit.Long(listed, "usage_count") >= 4) break;
            await Task.Delay(250);
        }
        Assert.Equal(4, Kit.Long(listed, "usage_count"));
        var lastUsed = DateTimeOffset.Parse(listed["last_used_at"]!.GetValue<string>());
        Assert.InRange(lastUsed, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task A_created_key_is_shown_once()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        var created = await CreateKeyAsync(new { team_id = teamId, name = "once", scopes = new[] { "metrics:read" } });
        string key = created["key"]!.GetValue<string>();
        Assert.StartsWith("hk_", key);
        Assert.True(key.Length >= 40, key);
        Assert.Equal(key[..8], created["prefix"]!.GetValue<string>());

        var response = await Server.Admin.GetAsync("/api/v1/keys");
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(key, text);
        Assert.DoesNotContain(HeraldServer.AdminKey, text);
        foreach (var k in JsonNode.Parse(text)!["data"]!.AsArray()) Assert.Null(k!["key"]);
        var listed = await ListedKeyAsync(created["id"]!.GetValue<string>());
        Assert.Equal(teamId, listed["team_id"]!.GetValue<string>());
        Assert.Equal(["metrics:read"], listed["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task A_team_bound_admin_key_cannot_reach_other_teams()
    {
        var (teamA, _) = await shared.NewTeamAsync();
        var (teamB, b) = await shared.NewTeamAsync();
        await Kit.Ingest(b, Kit.Event("b-secret", "sent", Kit.At(1)));
        var created = await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamA, name = "team admin", scopes = new[] { "admin" } });
        if (created.StatusCode != HttpStatusCode.Created)
        {
            // Refusing team-bound admin keys altogether is a valid fix.
            await Kit.AssertError(created, HttpStatusCode.BadRequest, field: "scopes");
            return;
        }
        using var teamAdmin = Server.Client((await HeraldServer.ReadData(created))["key"]!.GetValue<string>());

        var forB = await teamAdmin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamB, name = "steal", scopes = new[] { "metrics:read" } });
        Assert.Equal(HttpStatusCode.Forbidden, forB.StatusCode);
        var global = await teamAdmin.PostAsJsonAsync("/api/v1/keys", new { name = "root", scopes = new[] { "admin" } });
        Assert.Equal(HttpStatusCode.Forbidden, global.StatusCode);
        var keys = await teamAdmin.GetAsync("/api/v1/keys");
        if (keys.StatusCode == HttpStatusCode.OK)
            Assert.All((await HeraldServer.ReadData(keys)).AsArray(), k => Assert.Equal(teamA, k!["team_id"]?.GetValue<string>()));
        else
            Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
        Assert.Null(await Kit.Item(teamAdmin, "b-secret"));
    }

    [Fact]
    public async Task Malformed_admin_bodies_answer_the_error_envelope()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        await Kit.AssertError(await Server.Admin.PostAsync("/api/v1/teams", HeraldServer.Json("not json")), HttpStatusCode.BadRequest);
        await Kit.AssertError(await Server.Admin.PostAsync("/api/v1/keys", HeraldServer.Json($$"""{"team_id":"{{teamId}}","name":"x","scopes":"admin"}""")),
            HttpStatusCode.BadRequest);
        await Kit.AssertError(await Server.Admin.PostAsync("/api/v1/keys",
            HeraldServer.Json($$"""{"team_id":"{{teamId}}","name":"x","scopes":["metrics:read"],"expires_at":"soon"}""")), HttpStatusCode.BadRequest);
        await Kit.AssertError(await Server.Admin.PostAsync("/api/v1/teams", new StringContent("""{"name":"plain"}""")), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task An_api_path_no_endpoint_serves_is_a_404_in_the_envelope()
    {
        await Kit.AssertError(await Server.Admin.GetAsync("/api/v1/nothing-here"), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await Server.Admin.GetAsync("/api/delivery-metrics/nope"), HttpStatusCode.NotFound, code: "not_found");
    }
}
