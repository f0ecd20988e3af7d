using System.Security.Cryptography;
using Herald.Storage;

namespace Herald.Api.Teams;

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
