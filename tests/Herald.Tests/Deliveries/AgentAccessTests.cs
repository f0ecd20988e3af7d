using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Deliveries;

/// <summary>A server whose address throttle leaves room for the sign-in failures these tests make on purpose.</summary>
public sealed class AgentSignInServer : SharedServer
{
    protected override Dictionary<string, string?> Settings => new() { ["Herald:Security:FailedAuthAttempts"] = "1000" };
}

/// <summary>Agents: unique phone and email per team, sign-in with lockout, tokens bound to the agent and what they may do.</summary>
public sealed class AgentAccessTests(AgentSignInServer shared) : IClassFixture<AgentSignInServer>
{
    private HeraldServer Server => shared.Server;

    private Task<HttpResponseMessage> Login(DeliveryTeam team, object body) => Server.Client(null).PostAsJsonAsync("/api/v1/agents/login", body);

    [Fact]
    public async Task Phone_and_email_are_unique_within_a_team_as_normalised_and_a_duplicate_names_its_field()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var first = await team.Agent(phone: "+1 (212) 736-2368", email: "Ana@Example.com");
        Assert.Equal(("+12127362368", "ana@example.com"), (S(first, "phone"), S(first, "email")));
        Assert.StartsWith("agt_", S(first, "id"));
        Assert.DoesNotContain("password", first.ToJsonString());
        var phone = await Kit.AssertError(await team.Client.PostAsJsonAsync("/api/v1/agents",
            new { name = "B", phone = "0012127362368", email = "b@example.com", password = Password }), HttpStatusCode.Conflict, "phone");
        Assert.Contains("+12127362368", S(phone, "message"));
        await Kit.AssertError(await team.Client.PostAsJsonAsync("/api/v1/agents",
            new { name = "B", phone = team.NewPhone(), email = "ANA@example.com", password = Password }), HttpStatusCode.Conflict, "email");
        var second = await team.Agent();
        await Kit.AssertError(await team.Client.PatchAsJsonAsync($"/api/v1/agents/{S(second, "id")}", new { email = "ana@example.com" }), HttpStatusCode.Conflict, "email");
        // Another team may have the same agent details.
        var other = await DeliveryTeam.CreateAsync(Server);
        await other.Agent(phone: "+12127362368", email: "ana@example.com");
        Assert.Equal(2, (await Kit.GetData(team.Client, "/api/v1/agents"))["agents"]!.AsArray().Count);
    }

    [Fact]
    public async Task Sign_in_gives_a_short_lived_token_and_repeated_failures_lock_it()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var agent = await team.Agent();
        string email = S(agent, "email");
        await Kit.AssertError(await Login(team, new { team = team.Id, email, password = "wrong password" }), HttpStatusCode.Unauthorized, code: "invalid_credentials");
        await Kit.AssertError(await Login(team, new { team = "no-such-team", email, password = Password }), HttpStatusCode.Unauthorized, code: "invalid_credentials");
        await Kit.AssertError(await Login(team, new { team = team.Id, email, phone = S(agent, "phone"), password = Password }), HttpStatusCode.BadRequest, "email");

        var ok = await Ok(await Login(team, new { team = team.Name, phone = S(agent, "phone"), password = Password }));
        Assert.StartsWith("hat_", S(ok, "token"));
        var expires = DateTimeOffset.Parse(S(ok, "expires_at"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.5));
        Assert.Equal(1, ok["agent"]!["login_count"]!.GetValue<int>());
        Assert.NotNull(ok["agent"]!["last_login"]);

        // Four more failures make five in a row: the sign-in locks, even for the right password.
        for (int i = 0; i < 4; i++)
            await Kit.AssertError(await Login(team, new { team = team.Id, email, password = "wrong password" }), HttpStatusCode.Unauthorized);
        var fifth = await Login(team, new { team = team.Id, email, password = "wrong password" });
        await Kit.AssertError(fifth, HttpStatusCode.TooManyRequests, code: "sign_in_locked");
        var locked = await Login(team, new { team = team.Id, email, password = Password });
        await Kit.AssertError(locked, HttpStatusCode.TooManyRequests, code: "sign_in_locked");
        Assert.InRange(int.Parse(locked.Headers.RetryAfter!.ToString()), 800, 900);
        Assert.Equal(1, (await Kit.GetData(team.Client, $"/api/v1/agents/{S(agent, "id")}"))["login_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_agent_token_reads_its_own_deliveries_posts_their_tracking_and_moves_itself_only()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var ana = await team.Agent(2.35, 48.86);
        var bo = await team.Agent(2.36, 48.86);
        var customer = S(await team.Customer(), "id");
        var mine = await team.Delivery(customer, agentId: S(ana, "id"));
        var theirs = await team.Delivery(customer, agentId: S(bo, "id"));
        using var token = await team.SignIn(ana);

        var listed = (await Kit.GetData(token, "/api/v1/deliveries"))["deliveries"]!.AsArray();
        Assert.Equal([S(mine, "id")], listed.Select(d => S(d!, "id")));
        await Kit.AssertError(await token.GetAsync($"/api/v1/deliveries?agent_id={S(bo, "id")}"), HttpStatusCode.BadRequest, "agent_id");
        Assert.Equal(S(mine, "id"), S(await Kit.GetData(token, $"/api/v1/deliveries/{S(mine, "id")}"), "id"));
        await Kit.AssertError(await token.GetAsync($"/api/v1/deliveries/{S(theirs, "id")}"), HttpStatusCode.NotFound);

        Assert.Equal("in_transit", S(await team.Track(S(mine, "id"), "in_transit", client: token), "status"));
        await Kit.AssertError(await token.PostAsJsonAsync($"/api/v1/deliveries/{S(theirs, "id")}/tracking", new { status = "completed" }), HttpStatusCode.NotFound);
        Assert.Equal("assigned", S(await Kit.GetData(team.Client, $"/api/v1/deliveries/{S(theirs, "id")}"), "status"));

        var moved = await Ok(await token.PutAsJsonAsync($"/api/v1/agents/{S(ana, "id")}/location", new { type = "Point", coordinates = new[] { 2.4, 48.9 } }));
        Assert.Equal(2.4, moved["current_location"]!["coordinates"]![0]!.GetValue<double>());
        await Kit.AssertError(await token.PutAsJsonAsync($"/api/v1/agents/{S(bo, "id")}/location", new { type = "Point", coordinates = new[] { 0.0, 0.0 } }), HttpStatusCode.NotFound);
        Assert.Equal(S(ana, "id"), S(await Kit.GetData(token, $"/api/v1/agents/{S(ana, "id")}"), "id"));
        await Kit.AssertError(await token.GetAsync($"/api/v1/agents/{S(bo, "id")}"), HttpStatusCode.NotFound);

        // Nothing else: not creating, assigning, listing agents, metrics, or changing its own record.
        await Kit.AssertError(await token.PostAsJsonAsync("/api/v1/deliveries", new { customer_id = customer }), HttpStatusCode.Forbidden);
        await Kit.AssertError(await token.PostAsJsonAsync($"/api/v1/deliveries/{S(mine, "id")}/assign", new { }), HttpStatusCode.Forbidden);
        await Kit.AssertError(await token.GetAsync("/api/v1/agents"), HttpStatusCode.Forbidden);
        await Kit.AssertError(await token.GetAsync("/api/v1/metrics/summary"), HttpStatusCode.Forbidden);
        await Kit.AssertError(await token.PatchAsJsonAsync($"/api/v1/agents/{S(ana, "id")}", new { role = "admin" }), HttpStatusCode.Forbidden);
        await Kit.AssertError(await token.GetAsync("/api/v1/customers"), HttpStatusCode.Forbidden);

        // An admin agent reads and tracks every delivery of its team.
        var boss = await team.Agent(role: "admin");
        using var bossToken = await team.SignIn(boss);
        Assert.Equal(2, (await Kit.GetData(bossToken, "/api/v1/deliveries"))["deliveries"]!.AsArray().Count);
        Assert.Equal("in_transit", S(await team.Track(S(theirs, "id"), "in_transit", client: bossToken), "status"));
    }

    [Fact]
    public async Task A_token_stops_working_when_its_agent_is_deactivated_or_changes_password_and_a_forged_one_never_works()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var agent = await team.Agent(1, 1);
        string path = $"/api/v1/agents/{S(agent, "id")}";
        using var token = await team.SignIn(agent);
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync(path)).StatusCode);

        await Ok(await team.Client.PatchAsJsonAsync(path, new { is_active = false }));
        await Kit.AssertError(await token.GetAsync(path), HttpStatusCode.Unauthorized);
        await Kit.AssertError(await Login(team, new { team = team.Id, email = S(agent, "email"), password = Password }), HttpStatusCode.Forbidden);
        await Ok(await team.Client.PatchAsJsonAsync(path, new { is_active = true }));
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync(path)).StatusCode);

        await Ok(await team.Client.PatchAsJsonAsync(path, new { password = "a brand new password" }));
        await Kit.AssertError(await token.GetAsync(path), HttpStatusCode.Unauthorized);
        await Kit.AssertError(await Login(team, new { team = team.Id, email = S(agent, "email"), password = Password }), HttpStatusCode.Unauthorized);
        await Ok(await Login(team, new { team = team.Id, email = S(agent, "email"), password = "a brand new password" }));

        // A token altered by one character, or of another's making, is refused.
        string real = token.DefaultRequestHeaders.Authorization!.Parameter!;
        foreach (var forged in new[] { real[..^2] + (real[^2] == 'A' ? "B" : "A") + real[^1], "hat_" + Convert.ToBase64String(new byte[56]).TrimEnd('=') })
        {
            using var bad = Server.Client(null);
            bad.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forged);
            await Kit.AssertError(await bad.GetAsync(path), HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task An_agent_holding_active_deliveries_is_not_deleted_and_a_deleted_one_frees_its_phone()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var agent = await team.Agent(3, 3);
        var delivery = await team.Delivery(S(await team.Customer(), "id"), 3, 3, agentId: S(agent, "id"));
        string path = $"/api/v1/agents/{S(agent, "id")}";
        await Kit.AssertError(await team.Client.DeleteAsync(path), HttpStatusCode.Conflict, "active_deliveries");
        await team.Track(S(delivery, "id"), "in_transit");
        await team.Track(S(delivery, "id"), "completed");
        await Ok(await team.Client.DeleteAsync(path));
        await Kit.AssertError(await team.Client.GetAsync(path), HttpStatusCode.NotFound);
        Assert.Empty((await Kit.GetData(team.Client, "/api/v1/agents/nearby?lon=3&lat=3&radius_km=10")).AsArray());
        // The delivery it carried still names it, and its phone is free again.
        Assert.Equal(S(agent, "id"), S(await Kit.GetData(team.Client, $"/api/v1/deliveries/{S(delivery, "id")}"), "agent_id"));
        await team.Agent(phone: S(agent, "phone"), email: S(agent, "email"));
    }

    /// <summary>The subscription as stored for the agent with this public id (keys included), or null.</summary>
    private string? StoredSubscription(string agentId) =>
        Server.StoredValue("SELECT push_subscription FROM agents WHERE public_id = $id", ("$id", agentId)) as string;

    [Fact]
    public async Task A_push_subscription_is_stored_with_its_keys_answered_without_them_and_a_bad_one_changes_nothing()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var ana = await team.Agent();
        var bo = await team.Agent();
        string path = $"/api/v1/agents/{S(ana, "id")}/push-subscription";
        // A real P-256 public key (uncompressed, 65 bytes) and a 16-byte secret, as a browser's PushSubscription.toJSON() gives them.
        using var ecdh = System.Security.Cryptography.ECDiffieHellman.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var q = ecdh.ExportParameters(false).Q;
        string p256dh = Base64Url([4, .. q.X!, .. q.Y!]);
        string auth = Base64Url(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        const string endpoint = "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91b";
        var subscription = new { endpoint, expirationTime = (long?)null, keys = new { p256dh, auth } };

        var saved = await Ok(await team.Client.PutAsJsonAsync(path, subscription));
        Assert.Equal(endpoint, S(saved["push_subscription"]!, "endpoint"));
        Assert.DoesNotContain(p256dh, saved.ToJsonString());
        Assert.DoesNotContain(auth, saved.ToJsonString());
        string stored = StoredSubscription(S(ana, "id"))!;
        Assert.Contains(p256dh, stored);
        Assert.Contains(auth, stored);
        Assert.Equal(endpoint, S((await Kit.GetData(team.Client, $"/api/v1/agents/{S(ana, "id")}"))["push_subscription"]!, "endpoint"));

        // Each bad part is a 400 naming it, and the stored subscription stays.
        var bad = new (object Body, string Field)[]
        {
            (new { endpoint = "http://push.example.com/x", keys = new { p256dh, auth } }, "endpoint"),
            (new { endpoint = "not a url", keys = new { p256dh, auth } }, "endpoint"),
            (new { endpoint, keys = new { p256dh = Base64Url(new byte[65]), auth } }, "keys.p256dh"),
            (new { endpoint, keys = new { p256dh = p256dh[..40], auth } }, "keys.p256dh"),
            (new { endpoint, keys = new { p256dh, auth = Base64Url(new byte[8]) } }, "keys.auth"),
            (new { endpoint, keys = new { p256dh } }, "keys.auth"),
            (new { endpoint, expirationTime = -5, keys = new { p256dh, auth } }, "expirationTime"),
        };
        foreach (var (body, field) in bad)
            await Kit.AssertError(await team.Client.PutAsJsonAsync(path, body), HttpStatusCode.BadRequest, field);
        Assert.Equal(stored, StoredSubscription(S(ana, "id")));

        // An agent's own token may replace its subscription, not another agent's.
        using var token = await team.SignIn(bo);
        string other = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA";
        await Ok(await token.PutAsJsonAsync($"/api/v1/agents/{S(bo, "id")}/push-subscription", new { endpoint = other, keys = new { p256dh, auth } }));
        Assert.Contains(other, StoredSubscription(S(bo, "id")));
        await Kit.AssertError(await token.PutAsJsonAsync(path, new { endpoint = other, keys = new { p256dh, auth } }), HttpStatusCode.NotFound);
        Assert.Equal(stored, StoredSubscription(S(ana, "id")));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
