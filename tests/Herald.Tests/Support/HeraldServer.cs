using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Support;

/// <summary>
/// A real Herald server on a loopback port over a real SQLite file in its own temporary folder.
/// Restartable on the same folder, to test that data and rollups survive.
/// </summary>
public sealed class HeraldServer : IAsyncDisposable
{
    public const string AdminKey = "hk_test_admin_key";
    private WebApplication? _app;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<WebApplicationBuilder>? _configure;

    private HeraldServer(string dataDir, Dictionary<string, string?> settings, Action<WebApplicationBuilder>? configure)
    {
        DataDir = dataDir;
        _settings = settings;
        _configure = configure;
    }

    public string DataDir { get; }
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;

    /// <summary>One value read straight from the server's database file (what is stored, as opposed to what the API answers).</summary>
    public object? StoredValue(string sql, params (string Name, object Value)[] parameters)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDir, "herald.db")}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return cmd.ExecuteScalar();
    }

    /// <param name="configure">Runs on the builder before Herald registers its services (a test may put its own in front).</param>
    public static async Task<HeraldServer> StartAsync(
        Dictionary<string, string?>? settings = null, string? dataDir = null, Action<WebApplicationBuilder>? configure = null)
    {
        dataDir ??= Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        var server = new HeraldServer(dataDir, settings ?? new(), configure);
        await server.StartAppAsync();
        return server;
    }

    private async Task StartAppAsync()
    {
        var settings = new Dictionary<string, string?>(_settings)
        {
            ["Herald:DataDir"] = DataDir,
            ["Herald:AdminKey"] = AdminKey,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _app = HeraldHost.Build(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            _configure?.Invoke(b);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Admin = Client(AdminKey);
    }

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    /// <summary>Stops the server gracefully and starts a new one on the same data folder (running <paramref name="whileStopped"/> in between).</summary>
    public async Task RestartAsync(Action? whileStopped = null)
    {
        await StopAsync();
        whileStopped?.Invoke();
        await StartAppAsync();
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public async Task<(string TeamId, string Key)> CreateTeamAsync(string name, params string[] scopes)
    {
        var team = await Admin.PostAsJsonAsync("/api/v1/teams", new { name });
        team.EnsureSuccessStatusCode();
        string teamId = (await ReadData(team))["id"]!.GetValue<string>();
        string key = await CreateKeyAsync(teamId, scopes.Length == 0 ? ["events:write", "metrics:read"] : scopes);
        return (teamId, key);
    }

    public async Task<string> CreateKeyAsync(string? teamId, string[] scopes, object? rateLimit = null, DateTimeOffset? expiresAt = null)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "test key", scopes, rate_limit = rateLimit, expires_at = expiresAt });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await ReadData(response))["key"]!.GetValue<string>();
    }

    public static async Task<JsonNode> ReadData(HttpResponseMessage response)
    {
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return body["data"]!;
    }

    public static async Task<JsonNode> ReadBody(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
