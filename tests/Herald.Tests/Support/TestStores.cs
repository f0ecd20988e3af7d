namespace Herald.Tests.Support;

/// <summary>The store providers a provider-parameterized test runs on, and the server settings that select each.</summary>
public static class TestStores
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>For <c>[MemberData]</c>: one row per provider.</summary>
    public static TheoryData<string> Providers => new() { Sqlite, Postgres };

    /// <summary>
    /// The settings (configuration keys) of a server on <paramref name="provider"/>: none for SQLite (the data folder's
    /// file), a fresh database of the test cluster for PostgreSQL.
    /// </summary>
    public static Dictionary<string, string?> Settings(string provider, string purpose) => provider switch
    {
        Sqlite => new(),
        Postgres => new()
        {
            ["Herald:Store:Provider"] = Postgres,
            ["Herald:Store:ConnectionString"] = PostgresCluster.Shared.CreateDatabase(purpose),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "sqlite or postgres"),
    };

    /// <summary><see cref="Settings"/> as environment variables, for a server started as its own process.</summary>
    public static Dictionary<string, string> Environment(string provider, string purpose) =>
        Settings(provider, purpose).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
}
