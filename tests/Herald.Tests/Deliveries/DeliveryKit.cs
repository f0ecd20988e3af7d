using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Deliveries;

/// <summary>A team with a key holding the delivery scopes (and metrics:read), and shortcuts to its agents, customers and deliveries.</summary>
internal sealed class DeliveryTeam(string id, string name, HttpClient client, HeraldServer server)
{
    public const string Password = "correct horse battery";
    public static readonly string[] AllScopes = ["deliveries:read", "deliveries:write", "agents:write", "metrics:read", "alerts:write"];
    private static int _teams;
    private int _phones;

    public string Id { get; } = id;
    public string Name { get; } = name;
    public HttpClient Client { get; } = client;
    public HeraldServer Server { get; } = server;

    public static async Task<DeliveryTeam> CreateAsync(HeraldServer server, params string[] scopes)
    {
        string name = $"dlv-{Interlocked.Increment(ref _teams)}-{Guid.NewGuid():n}"[..24];
        var (teamId, _) = await server.CreateTeamAsync(name, "metrics:read");
        string key = await server.CreateKeyAsync(teamId, scopes.Length == 0 ? AllScopes : scopes, rateLimit: new { requests = 100_000, period = 60_000 });
        return new DeliveryTeam(teamId, name, server.Client(key), server);
    }

    /// <summary>A valid US number no other test of this team uses.</summary>
    public string NewPhone()
    {
        int n = Interlocked.Increment(ref _phones);
        return $"+1212{200 + n % 800:D3}{n / 800 % 10_000:D4}";
    }

    public async Task<JsonNode> Agent(double? lon = null, double? lat = null, string? email = null, string? phone = null, string role = "agent")
    {
        var body = new Dictionary<string, object?>
        {
            ["name"] = "Agent " + Guid.NewGuid().ToString("n")[..6],
            ["phone"] = phone ?? NewPhone(),
            ["email"] = email ?? $"{Guid.NewGuid():n}@agents.example.com",
            ["password"] = Password,
            ["role"] = role,
        };
        if (lon is not null) body["current_location"] = new { type = "Point", coordinates = new[] { lon.Value, lat!.Value } };
        return await Created(await Client.PostAsJsonAsync("/api/v1/agents", body));
    }

    public async Task<JsonNode> Customer(object? preferences = null, string? phone = null) =>
        await Created(await Client.PostAsJsonAsync("/api/v1/customers", new
        {
            name = "Customer " + Guid.NewGuid().ToString("n")[..6],
            phone = phone ?? NewPhone(),
            address = "1 Main St",
            preferences,
        }));

    public async Task<JsonNode> Delivery(string customerId, double lon = -74.006, double lat = 40.7128, string? agentId = null, int? maxRetries = null,
        DateTimeOffset? scheduled = null, bool fragile = false, string priority = "normal", int estimatedDuration = 30)
    {
        var body = new Dictionary<string, object?>
        {
            ["customer_id"] = customerId,
            ["address"] = "123 Main St, New York",
            ["coordinates"] = new { type = "Point", coordinates = new[] { lon, lat } },
            ["scheduled_time"] = Kit.Format(scheduled ?? DateTimeOffset.UtcNow.AddHours(2)),
            ["estimated_duration"] = estimatedDuration,
            ["priority"] = priority,
            ["package_details"] = new { weight = 2.5, fragile, signature_required = true, dimensions = new { length = 30, width = 20, height = 10 } },
        };
        if (agentId is not null) body["agent_id"] = agentId;
        if (maxRetries is not null) body["max_retries"] = maxRetries;
        return await Created(await Client.PostAsJsonAsync("/api/v1/deliveries", body));
    }

    public async Task<JsonNode> Assign(string deliveryId, string? agentId = null) =>
        await Ok(await Client.PostAsJsonAsync($"/api/v1/deliveries/{deliveryId}/assign", new Dictionary<string, string?> { ["agent_id"] = agentId }));

    public async Task<JsonNode> Track(string deliveryId, string status, DateTimeOffset? at = null, HttpClient? client = null, string? notes = null) =>
        await Ok(await (client ?? Client).PostAsJsonAsync($"/api/v1/deliveries/{deliveryId}/tracking", new Dictionary<string, object?>
        {
            ["status"] = status,
            ["timestamp"] = at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") : null,
            ["notes"] = notes,
        }.Where(p => p.Value is not null).ToDictionary()));

    /// <summary>Signs the agent in and answers a client that carries its token.</summary>
    public async Task<HttpClient> SignIn(JsonNode agent)
    {
        var response = await Server.Client(null).PostAsJsonAsync("/api/v1/agents/login", new { team = Id, email = agent["email"]!.GetValue<string>(), password = Password });
        var token = (await Ok(response))["token"]!.GetValue<string>();
        var client = Server.Client(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<JsonNode> Created(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected 201, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["data"]!;
    }

    public static async Task<JsonNode> Ok(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected 200, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["data"]!;
    }

    public static string S(JsonNode node, string name) => node[name]!.GetValue<string>();
}
