using System.Globalization;
using System.Security.Claims;
using Herald.Storage;

namespace Herald.Api.Auth;

/// <summary>The claims Herald's authentication schemes put on a request's principal, and the <see cref="Caller"/> read from them.</summary>
public static class HeraldClaims
{
    public const string KeyId = "herald:key_id";
    public const string KeyPrefix = "herald:key_prefix";
    public const string KeyPublicId = "herald:key_public_id";
    public const string AgentPublicId = "herald:agent_public_id";
    public const string AllowedIps = "herald:allowed_ips";
    public const string TeamId = "herald:team_id";
    public const string Scope = "herald:scope";
    public const string CsrfToken = "herald:csrf";
    public const string AgentId = "herald:agent_id";
    public const string AgentRole = "herald:agent_role";

    public static List<Claim> Of(ApiKeyRecord key)
    {
        var claims = new List<Claim>(4 + key.Scopes.Length)
        {
            new(KeyId, key.Id.ToString(CultureInfo.InvariantCulture)),
            new(KeyPrefix, key.Prefix),
            new(KeyPublicId, key.PublicId),
        };
        if (key.TeamId is { } team) claims.Add(new Claim(TeamId, team.ToString(CultureInfo.InvariantCulture)));
        if (key.AllowedIps is { } ips) claims.Add(new Claim(AllowedIps, ips));
        foreach (var scope in key.Scopes) claims.Add(new Claim(Scope, scope));
        if (KeyRateLimiting.ClaimOf(key) is { } limit) claims.Add(limit);
        return claims;
    }

    /// <summary>An agent signed in with its token: its id, team and role, and no scope (see <see cref="ScopeRequirementHandler"/>).</summary>
    public static List<Claim> OfAgent(AgentRecord agent) =>
    [
        new(AgentId, agent.Id.ToString(CultureInfo.InvariantCulture)),
        new(AgentPublicId, agent.PublicId),
        new(TeamId, agent.TeamId.ToString(CultureInfo.InvariantCulture)),
        new(AgentRole, agent.Role),
    ];

    /// <summary>The caller an authorization handler judges: the request's own, read once per request, when the principal is the request's.</summary>
    public static Caller? CallerOf(Microsoft.AspNetCore.Authorization.AuthorizationHandlerContext context) =>
        context.Resource is HttpContext http && ReferenceEquals(http.User, context.User) ? http.CallerOrNull() : CallerOf(context.User);

    /// <summary>The caller of an authenticated request; null when the principal carries no key and no agent.</summary>
    public static Caller? CallerOf(ClaimsPrincipal user)
    {
        int? team = user.FindFirst(TeamId)?.Value is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null;
        if (user.FindFirst(AgentId)?.Value is { } agentId && team is { } agentTeam)
            return new Caller(0, agentTeam, new HashSet<string>()) { Agent = new(long.Parse(agentId, CultureInfo.InvariantCulture), agentTeam, user.FindFirst(AgentRole)?.Value ?? "") };
        if (user.FindFirst(KeyId)?.Value is not { } keyId) return null;
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in user.FindAll(Scope)) scopes.Add(c.Value);
        return new Caller(int.Parse(keyId, CultureInfo.InvariantCulture), team, scopes);
    }
}

public static class CallerExtensions
{
    /// <summary>The authenticated caller; endpoints that require a scope always have one.</summary>
    public static Caller Caller(this HttpContext http) =>
        http.CallerOrNull() ?? throw new InvalidOperationException("the endpoint was reached without an authenticated caller");

    /// <summary>
    /// The caller of the request's principal, read from its claims once per request and principal (the authorization
    /// handlers, the team scope and the endpoint all ask); null when the principal carries no key and no agent.
    /// </summary>
    public static Caller? CallerOrNull(this HttpContext http)
    {
        var user = http.User;
        if (http.Items.TryGetValue(typeof(Caller), out var cached) && cached is CachedCaller c && ReferenceEquals(c.User, user)) return c.Caller;
        var caller = HeraldClaims.CallerOf(user);
        if (caller is not null) http.Items[typeof(Caller)] = new CachedCaller(user, caller);
        return caller;
    }

    private sealed record CachedCaller(ClaimsPrincipal User, Caller Caller);
}
