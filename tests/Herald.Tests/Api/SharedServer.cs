using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>One real server shared by the tests of a class; each test works in its own team so counts do not mix.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    private int _teams;

    public HeraldServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await HeraldServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A fresh team (unique name) and a key with the given scopes (default: events:write and metrics:read).</summary>
    public async Task<(string TeamId, HttpClient Client)> NewTeamAsync(params string[] scopes)
    {
        var (teamId, key) = await Server.CreateTeamAsync($"team-{Interlocked.Increment(ref _teams)}-{Guid.NewGuid():n}", scopes);
        return (teamId, Server.Client(key));
    }
}
