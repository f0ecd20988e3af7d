using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Storage;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Security;

/// <summary>API keys used only from their <c>allowed_ips</c>, admin keys only from <c>AdminAllowedIps</c>; refusals are 403 and audited.</summary>
public sealed class IpAllowListTests
{
    [Fact]
    public async Task A_key_works_only_from_its_allowed_ips_and_a_refusal_is_a_403_in_the_audit_trail()
    {
        await using var server = await HeraldServer.StartAsync();
        var (teamId, _) = await server.CreateTeamAsync("ipteam");
        var created = await server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "office only", scopes = new[] { "metrics:read" }, allowed_ips = new[] { "10.0.0.0/8", "2001:db8::/32" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await HeraldServer.ReadData(created);
        Assert.Equal(["10.0.0.0/8", "2001:db8::/32"], Strings(key["allowed_ips"]!));
        string keyId = key["id"]!.GetValue<string>();
        using var client = server.Client(key["key"]!.GetValue<string>());

        var refused = await client.GetAsync("/api/v1/metrics/summary");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("127.0.0.1", await refused.Content.ReadAsStringAsync());
        var entries = await Audit(server, "&action=read&resource_type=metrics/summary");
        var entry = Assert.Single(entries);
        Assert.Equal((403, $"key:{keyId}", "127.0.0.1"), (entry["outcome"]!.GetValue<int>(), entry["actor"]!.GetValue<string>(), entry["remote_ip"]!.GetValue<string>()));

        // A bad entry is a 400 naming the field, and the list stays as it was.
        var bad = await server.Admin.PatchAsJsonAsync($"/api/v1/keys/{keyId}", new { allowed_ips = new[] { "127.0.0.1", "10.0.0.300/8" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("allowed_ips", error["details"]![0]!["field"]!.GetValue<string>());
        Assert.Contains("10.0.0.300/8", error["details"]![0]!["issue"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/metrics/summary")).StatusCode);

        var loopback = await server.Admin.PatchAsJsonAsync($"/api/v1/keys/{keyId}", new { allowed_ips = new[] { "127.0.0.1", "::1" } });
        Assert.Equal(["127.0.0.1/32", "::1/128"], Strings((await HeraldServer.ReadData(loopback))["allowed_ips"]!));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/metrics/summary")).StatusCode);

        await server.Admin.PatchAsJsonAsync($"/api/v1/keys/{keyId}", new { allowed_ips = new[] { "192.0.2.0/24" } });
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/metrics/summary")).StatusCode);
        // An empty list means anywhere again.
        var cleared = await server.Admin.PatchAsJsonAsync($"/api/v1/keys/{keyId}", new { allowed_ips = Array.Empty<string>() });
        Assert.Null((await HeraldServer.ReadData(cleared))["allowed_ips"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/metrics/summary")).StatusCode);
    }

    [Fact]
    public async Task X_forwarded_for_counts_only_from_a_known_proxy()
    {
        foreach (bool proxyKnown in new[] { false, true })
        {
            await using var server = await HeraldServer.StartAsync(proxyKnown ? new() { ["Herald:Security:KnownProxies"] = "127.0.0.1" } : null);
            var (teamId, _) = await server.CreateTeamAsync("fwd");
            var created = await server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "partner", scopes = new[] { "metrics:read" }, allowed_ips = new[] { "203.0.113.0/24" } });
            using var client = server.Client((await HeraldServer.ReadData(created))["key"]!.GetValue<string>());
            client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.77");
            var answer = await client.GetAsync("/api/v1/metrics/summary");
            Assert.Equal(proxyKnown ? HttpStatusCode.OK : HttpStatusCode.Forbidden, answer.StatusCode);
        }
    }

    [Fact]
    public async Task Admin_keys_are_held_to_admin_allowed_ips()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Security:AdminAllowedIps"] = "10.9.9.0/24" });
        var refused = await server.Admin.GetAsync("/api/v1/teams");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("AdminAllowedIps", await refused.Content.ReadAsStringAsync());
        var store = server.Services.GetRequiredService<IAuditStore>();
        await server.Services.GetRequiredService<Herald.Audit.AuditTrail>().RecordAsync(new AuditEntry(0, null, "test", null, "flush", "test", null, 0, null));
        var entry = Assert.Single(store.ReadAudit(new AuditQuery(null, null, null, null, "teams", "read", null, 10))).Entry;
        Assert.Equal(403, entry.Outcome);
    }

    private static async Task<List<JsonNode>> Audit(HeraldServer server, string filters) =>
        (await HeraldServer.ReadData(await server.Admin.GetAsync("/api/v1/audit?limit=1000" + filters)))["entries"]!.AsArray().Select(e => e!).ToList();

    private static List<string> Strings(JsonNode array) => array.AsArray().Select(n => n!.GetValue<string>()).ToList();
}
