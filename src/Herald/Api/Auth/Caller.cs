namespace Herald.Api.Auth;

/// <summary>Who is calling: the key's id, its team (null for an admin key, which sees every team) and scopes.</summary>
public sealed record Caller(int KeyId, int? TeamId, IReadOnlySet<string> Scopes)
{
    public static Caller Of(Storage.ApiKeyRecord key) => new(key.Id, key.TeamId, new HashSet<string>(key.Scopes, StringComparer.Ordinal));

    public bool IsAdmin => TeamId is null && Scopes.Contains(Auth.Scopes.Admin);

    /// <summary>A scope is granted by the key itself, or by being an admin key (admin only counts without a team).</summary>
    public bool Has(string scope) => scope == Auth.Scopes.Admin ? IsAdmin : Scopes.Contains(scope) || IsAdmin;
}
