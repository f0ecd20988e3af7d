using System.Net;
using System.Net.Http.Json;
using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>API keys' description, environment, creator and active flag: an inactive key authenticates nothing until turned on.</summary>
public sealed class ApiKeyDetailsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;

    [Fact]
    public async Task A_key_records_who_made_it_for_which_environment_and_can_be_turned_off_without_revoking()
    {
        var (teamId, _) = await Server.CreateTeamAsync($"keys-{Guid.NewGuid():n}"[..20]);
        var response = await Server.Admin.PostAsJsonAsync("/api/v1/keys", new
        {
            team_id = teamId, name = "courier app", scopes = new[] { "deliveries:read", "deliveries:write" }, description = "the drivers' phones", environment = "production",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await HeraldServer.ReadData(response);
        var admin = (await Kit.GetData(Server.Admin, "/api/v1/keys")).AsArray().Single(k => k!["name"]!.GetValue<string>() == "bootstrap admin")!;
        Assert.Equal(("the drivers' phones", "production", admin["id"]!.GetValue<string>(), true),
            (created["description"]!.GetValue<string>(), created["environment"]!.GetValue<string>(), created["created_by"]!.GetValue<string>(), created["is_active"]!.GetValue<bool>()));
        // A key with deliveries:write is not throttled by default, like an ingesting one.
        Assert.Null(created["rate_limit"]);
        string keyId = created["id"]!.GetValue<string>();
        using var key = Server.Client(created["key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/v1/deliveries")).StatusCode);

        var off = await Server.Admin.PatchAsJsonAsync($"/api/v1/keys/{keyId}", new { is_active = false });
        Assert.False((await HeraldServer.ReadData(off))["is_active"]!.GetValue<bool>());
        var refused = await Kit.AssertError(await key.GetAsync("/api/v1/deliveries"), HttpStatusCode.Unauthorized);
        Assert.Contains("inactive", refused["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await Server.Admin.PatchAsJsonAsync($"/api/v1/keys/{keyId}", new { is_active = true, description = "phones v2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/v1/deliveries")).StatusCode);
        var listed = (await Kit.GetData(Server.Admin, "/api/v1/keys")).AsArray().Single(k => k!["id"]!.GetValue<string>() == keyId)!;
        Assert.Equal(("phones v2", true), (listed["description"]!.GetValue<string>(), listed["is_active"]!.GetValue<bool>()));

        await Kit.AssertError(await Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "x", scopes = new[] { "deliveries:read" }, environment = "prod" }),
            HttpStatusCode.BadRequest, "environment");
        await Kit.AssertError(await Server.Admin.PatchAsJsonAsync($"/api/v1/keys/{keyId}", new { }), HttpStatusCode.BadRequest, "is_active");
        Assert.Equal(HttpStatusCode.OK, (await Server.Admin.DeleteAsync($"/api/v1/keys/{keyId}")).StatusCode);
        await Kit.AssertError(await Server.Admin.PatchAsJsonAsync($"/api/v1/keys/{keyId}", new { is_active = true }), HttpStatusCode.NotFound);
        await Kit.AssertError(await key.GetAsync("/api/v1/deliveries"), HttpStatusCode.Unauthorized);
    }
}
