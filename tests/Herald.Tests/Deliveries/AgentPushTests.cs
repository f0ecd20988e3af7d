using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Senders;
using Microsoft.Extensions.Logging;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Deliveries;

/// <summary>An assignment sends the agent a Web Push message: VAPID-signed, aes128gcm-encrypted, through the outbound guard.</summary>
public sealed class AgentPushTests(LoopbackOutboundServer shared) : IClassFixture<LoopbackOutboundServer>
{
    private HeraldServer Server => shared.Server;

    private static async Task Subscribe(DeliveryTeam team, JsonNode agent, string endpoint, FakePushService.Subscriber browser) =>
        await Ok(await team.Client.PutAsJsonAsync($"/api/v1/agents/{S(agent, "id")}/push-subscription",
            new { endpoint, expirationTime = (long?)null, keys = new { p256dh = browser.P256dh, auth = browser.Auth } }));

    private static async Task<string> ServerKey(DeliveryTeam team) =>
        S(await Kit.GetData(team.Client, "/api/v1/agents/push-public-key"), "public_key");

    private string? StoredSubscription(string agentId) =>
        Server.StoredValue("SELECT push_subscription FROM agents WHERE public_id = $id", ("$id", agentId)) as string;

    [Fact]
    public async Task An_assignment_pushes_the_agent_a_signed_encrypted_message_naming_the_delivery()
    {
        await using var push = await FakePushService.StartAsync();
        using var browser = new FakePushService.Subscriber();
        var team = await DeliveryTeam.CreateAsync(Server);
        var agent = await team.Agent(-74.0, 40.7);
        string endpoint = $"{push.BaseUrl}/wpush/{Guid.NewGuid():n}";
        await Subscribe(team, agent, endpoint, browser);
        var customer = await team.Customer();
        var delivery = await team.Delivery(S(customer, "id"));

        await team.Assign(S(delivery, "id"), S(agent, "id"));

        var request = Assert.Single(await push.WaitForAsync(1));
        Assert.Equal(new Uri(endpoint).AbsolutePath, request.Path);
        Assert.Equal("aes128gcm", request.ContentEncoding);
        Assert.Equal("3600", request.Ttl);
        Assert.Equal("high", request.Urgency);
        FakePushService.Subscriber.CheckVapid(request.Authorization, await ServerKey(team), endpoint);
        var message = JsonNode.Parse(browser.Decrypt(request.Body))!;
        Assert.Equal("delivery.assigned", S(message, "type"));
        Assert.Equal(S(delivery, "id"), S(message, "delivery_id"));
        Assert.Equal(S(agent, "id"), S(message, "agent_id"));
        Assert.Equal(S(delivery, "address"), S(message, "address"));
        Assert.Equal(DateTimeOffset.Parse(S(delivery, "scheduled_time")), DateTimeOffset.Parse(S(message, "scheduled_time")));
        Assert.NotNull(StoredSubscription(S(agent, "id")));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public async Task A_subscription_the_push_service_no_longer_knows_is_removed(int status)
    {
        await using var push = await FakePushService.StartAsync();
        push.Status = status;
        using var browser = new FakePushService.Subscriber();
        var team = await DeliveryTeam.CreateAsync(Server);
        var agent = await team.Agent(-74.0, 40.7);
        await Subscribe(team, agent, $"{push.BaseUrl}/gone", browser);
        var delivery = await team.Delivery(S(await team.Customer(), "id"));

        await team.Assign(S(delivery, "id"), S(agent, "id"));

        await push.WaitForAsync(1);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (StoredSubscription(S(agent, "id")) is not null && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Null(StoredSubscription(S(agent, "id")));
        Assert.Null((await Kit.GetData(team.Client, $"/api/v1/agents/{S(agent, "id")}"))["push_subscription"]);
    }

    [Fact]
    public async Task A_refused_push_keeps_the_subscription_and_the_assignment()
    {
        await using var push = await FakePushService.StartAsync();
        push.Status = 429;
        using var browser = new FakePushService.Subscriber();
        var team = await DeliveryTeam.CreateAsync(Server);
        var agent = await team.Agent(-74.0, 40.7);
        await Subscribe(team, agent, $"{push.BaseUrl}/busy", browser);
        var delivery = await team.Delivery(S(await team.Customer(), "id"));

        await team.Assign(S(delivery, "id"), S(agent, "id"));
        await push.WaitForAsync(1);
        // A second assignment is pushed too: the sender did not stop on the refusal.
        var second = await team.Delivery(S(await team.Customer(), "id"));
        await team.Assign(S(second, "id"), S(agent, "id"));
        await push.WaitForAsync(2);

        Assert.NotNull(StoredSubscription(S(agent, "id")));
        Assert.Equal("assigned", S(await Kit.GetData(team.Client, $"/api/v1/deliveries/{S(delivery, "id")}"), "status"));
    }
}

/// <summary>The VAPID keys are made once per data directory, and the outbound guard keeps pushes off internal addresses.</summary>
public sealed class AgentPushGuardTests
{
    [Fact]
    public async Task The_vapid_key_survives_a_restart_and_a_push_to_an_internal_address_is_not_sent_without_the_allow_list()
    {
        var logs = new ListLoggerProvider();
        await using var server = await HeraldServer.StartAsync(configure: b => b.Logging.AddProvider(logs));
        await using var push = await FakePushService.StartAsync();
        using var browser = new FakePushService.Subscriber();
        var team = await DeliveryTeam.CreateAsync(server);
        string key = S(await Kit.GetData(team.Client, "/api/v1/agents/push-public-key"), "public_key");
        Assert.Equal(65, Convert.FromBase64String(key.Replace('-', '+').Replace('_', '/') + "=").Length);
        string keyFile = Path.Combine(server.DataDir, "vapid.key");
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));

        var agent = await team.Agent(-74.0, 40.7);
        await Ok(await team.Client.PutAsJsonAsync($"/api/v1/agents/{S(agent, "id")}/push-subscription",
            new { endpoint = $"{push.BaseUrl}/internal", keys = new { p256dh = browser.P256dh, auth = browser.Auth } }));
        var delivery = await team.Delivery(S(await team.Customer(), "id"));
        await team.Assign(S(delivery, "id"), S(agent, "id"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!Refused() && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(Refused(), "the outbound guard refused the push to 127.0.0.1");

        string apiKey = await server.CreateKeyAsync(team.Id, ["deliveries:read"]);
        await server.RestartAsync();
        using var afterRestart = server.Client(apiKey);
        Assert.Equal(key, S(await Kit.GetData(afterRestart, "/api/v1/agents/push-public-key"), "public_key"));
        // The refused push left the subscription in place and reached nothing.
        Assert.Empty(push.Requests);
        Assert.NotNull(server.StoredValue("SELECT push_subscription FROM agents WHERE public_id = $id", ("$id", S(agent, "id"))));

        bool Refused()
        {
            lock (logs.Entries)
                return logs.Entries.Any(e => e.Category.EndsWith("OutboundConnector", StringComparison.Ordinal) && e.Message.Contains("127.0.0.1") && e.Message.Contains("refused"));
        }
    }
}
