using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>One real server shared by the tests of a class; each test works in its own team so counts do not mix.</summary>
public class SharedServer : IAsyncLifetime
{
    private int _teams;

    public HeraldServer Server { get; private set; } = null!;

    /// <summary>The server's settings beyond the test defaults.</summary>
    protected virtual Dictionary<string, string?>? Settings => null;

    public async Task InitializeAsync() => Server = await HeraldServer.StartAsync(Settings);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A fresh team (unique name) and a key with the given scopes (default: events:write and metrics:read).</summary>
    public async Task<(string TeamId, HttpClient Client)> NewTeamAsync(params string[] scopes)
    {
        var (teamId, key) = await Server.CreateTeamAsync($"team-{Interlocked.Increment(ref _teams)}-{Guid.NewGuid():n}", scopes);
        return (teamId, Server.Client(key));
    }
}

/// <summary>A shared server whose outbound allow-list names 127.0.0.1, for tests whose providers (SMTP, a fake Twilio) listen on loopback.</summary>
public sealed class LoopbackOutboundServer : SharedServer
{
    protected override Dictionary<string, string?> Settings => new() { [Herald.Outbound.OutboundPolicy.AllowListSetting] = "127.0.0.1" };
}

/// <summary>A shared server on PostgreSQL, in a fresh database of the test cluster: what provider-parameterized test classes run on.</summary>
public sealed class PostgresSharedServer : SharedServer
{
    protected override Dictionary<string, string?> Settings => TestStores.Settings(TestStores.Postgres, nameof(PostgresSharedServer));
}
