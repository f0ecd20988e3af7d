using System.Security.Cryptography;
using Herald.Storage;

namespace Herald.Tenancy;

/// <summary>
/// The teams, held in memory (they are few), refreshed when one is created here and on a miss (a team the
/// CLI created while the server runs).
/// </summary>
public sealed class TeamDirectory(IDirectoryStore store, TimeProvider time)
{
    private volatile IReadOnlyList<TeamRecord> _teams = store.ListTeams();

    public IReadOnlyList<TeamRecord> All => _teams;

    public TeamRecord? ById(int id) => Find(t => t.Id == id);

    public TeamRecord? ByPublicIdOrName(string value) => Find(t => t.PublicId == value || t.Name == value);

    private TeamRecord? Find(Func<TeamRecord, bool> match)
    {
        foreach (var t in _teams) if (match(t)) return t;
        _teams = store.ListTeams();
        foreach (var t in _teams) if (match(t)) return t;
        return null;
    }

    /// <summary>
    /// The team whose webhook token this is. A miss reloads the teams at most once a second (a team the CLI just
    /// created), so a stream of unknown tokens on the unauthenticated webhook routes cannot hammer the store.
    /// </summary>
    public TeamRecord? ByWebhookToken(string token)
    {
        foreach (var t in _teams)
            if (string.Equals(t.WebhookToken, token, StringComparison.Ordinal)) return t;
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long last = Interlocked.Read(ref _lastTokenMissReloadMs);
        if (now - last < 1000 || Interlocked.CompareExchange(ref _lastTokenMissReloadMs, now, last) != last) return null;
        _teams = store.ListTeams();
        foreach (var t in _teams)
            if (string.Equals(t.WebhookToken, token, StringComparison.Ordinal)) return t;
        return null;
    }

    private long _lastTokenMissReloadMs;

    /// <summary>Gives the team a new webhook token; the old one stops working at once (the cache is replaced).</summary>
    public TeamRecord? RotateWebhookToken(int id)
    {
        if (!store.RotateWebhookToken(id, NewWebhookToken())) return null;
        _teams = store.ListTeams();
        return ById(id);
    }

    private static string NewWebhookToken() => "wh_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    public string PublicIdOf(int id) => ById(id)?.PublicId ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public TeamRecord Create(string name)
    {
        var team = store.CreateTeam(name, "tm_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant(),
            NewWebhookToken(), time.GetUtcNow().ToUnixTimeMilliseconds());
        _teams = store.ListTeams();
        return team;
    }

    public TeamRecord GetOrCreate(string name) => ByPublicIdOrName(name) ?? Create(name);
}
