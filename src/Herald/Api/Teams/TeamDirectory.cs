using System.Security.Cryptography;
using Herald.Storage;

namespace Herald.Api.Teams;

/// <summary>The teams, held in memory (they are few) and refreshed when one is created.</summary>
public sealed class TeamDirectory(IDirectoryStore store, TimeProvider time)
{
    private volatile IReadOnlyList<TeamRecord> _teams = store.ListTeams();

    public IReadOnlyList<TeamRecord> All => _teams;

    public TeamRecord? ById(int id)
    {
        foreach (var t in _teams) if (t.Id == id) return t;
        return null;
    }

    public TeamRecord? ByPublicIdOrName(string value)
    {
        foreach (var t in _teams) if (t.PublicId == value || t.Name == value) return t;
        return null;
    }

    public string PublicIdOf(int id) => ById(id)?.PublicId ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public TeamRecord Create(string name)
    {
        var team = store.CreateTeam(name, "tm_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant(),
            "wh_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant(), time.GetUtcNow().ToUnixTimeMilliseconds());
        _teams = store.ListTeams();
        return team;
    }

    public TeamRecord GetOrCreate(string name) => ByPublicIdOrName(name) ?? Create(name);
}
