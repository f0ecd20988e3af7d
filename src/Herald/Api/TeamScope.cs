using Herald.Api.Auth;
using Herald.Tenancy;

namespace Herald.Api;

/// <summary>Which teams a request may read: its key's team, or for an admin key every team or the one named by <c>team</c>.</summary>
public static class TeamScope
{
    public static IReadOnlyList<int> Resolve(HttpContext http, string? team) =>
        Resolve(http.Caller(), http.RequestServices.GetRequiredService<TeamDirectory>(), team);

    public static IReadOnlyList<int> Resolve(Caller caller, TeamDirectory directory, string? team)
    {
        if (caller.TeamId is { } own)
        {
            if (team is not null && directory.ByPublicIdOrName(team)?.Id != own)
                throw new ForbiddenTeamException();
            return [own];
        }
        if (team is null) return directory.All.Select(t => t.Id).ToArray();
        var found = directory.ByPublicIdOrName(team) ?? throw new BadParameterException("team", $"no team '{team}'");
        return [found.Id];
    }

    /// <summary>The single team a write goes to: the key's own, or for an admin key the required <c>team</c> parameter.</summary>
    public static int ResolveOne(HttpContext http, string? team)
    {
        var caller = http.Caller();
        if (caller.TeamId is { } own && team is null) return own;
        if (caller.TeamId is null && team is null) throw new BadParameterException("team", "an admin key must name the team (?team=<id or name>)");
        return Resolve(http, team)[0];
    }
}

public sealed class ForbiddenTeamException() : Exception("this key cannot see that team");
