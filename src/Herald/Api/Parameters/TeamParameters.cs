using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Parameters;

/// <summary>The <c>team</c> of a request that reads teams: a team key's own; for an admin key the one it names, else every team.</summary>
public class TeamParameters
{
    [FromQuery(Name = QueryParameterRules.Team), Description("Admin keys: the team (id or name) to read, else every team. A team key may only name its own team.")]
    public string? Team { get; init; }

    public IReadOnlyList<int> Teams(HttpContext http) => TeamScope.Resolve(http, Team);
}

/// <summary>The <c>team</c> of a request about one team: a team key's own, or the one an admin key must name.</summary>
public class OneTeamParameters
{
    [FromQuery(Name = QueryParameterRules.Team), Description("Admin keys: the team (id or name) this request is about (required). A team key may only name its own team.")]
    public string? Team { get; init; }

    public int TeamId(HttpContext http) => TeamScope.ResolveOne(http, Team);
}
