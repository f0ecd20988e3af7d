namespace Herald.Api.Auth;

/// <summary>Who is calling: the key's id, its team (null for an admin key, which sees every team) and scopes.</summary>
public sealed record Caller(int KeyId, int? TeamId, IReadOnlySet<string> Scopes)
{
    public bool IsAdmin => TeamId is null && Scopes.Contains(Auth.Scopes.Admin);

    public bool Has(string scope) => Scopes.Contains(scope) || Scopes.Contains(Auth.Scopes.Admin);
}
