namespace Herald.Api.Auth;

/// <summary>Who is calling: the key's id, its team (null for an admin key, which sees every team) and scopes.</summary>
public sealed record Caller(int KeyId, int? TeamId, IReadOnlySet<string> Scopes)
{
    /// <summary>The agent when the request signed in with an agent token (then there is no key, no scope, and one team).</summary>
    public Deliveries.AgentCaller? Agent { get; init; }

    public static Caller Of(Storage.ApiKeyRecord key) => new(key.Id, key.TeamId, new HashSet<string>(key.Scopes, StringComparer.Ordinal));

    public bool IsAdmin => TeamId is null && Scopes.Contains(Auth.Scopes.Admin);

    /// <summary>A scope is granted by the key itself, or by being an admin key (admin only counts without a team).</summary>
    public bool Has(string scope) => scope == Auth.Scopes.Admin ? IsAdmin : Scopes.Contains(scope) || IsAdmin;
}
