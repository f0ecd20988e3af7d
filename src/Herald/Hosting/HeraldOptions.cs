namespace Herald.Hosting;

/// <summary>The <c>Herald</c> configuration section (appsettings.json or <c>Herald__Key</c> environment variables).</summary>
public sealed class HeraldOptions
{
    /// <summary>Holds the SQLite file and every other file Herald writes (HERALD_DATA_DIR).</summary>
    public string DataDir { get; set; } = "./data";
    /// <summary>Becomes the bootstrap admin key when no admin key exists yet (HERALD_ADMIN_KEY).</summary>
    public string? AdminKey { get; set; }
    /// <summary>"json" for one JSON object per log line, else plain text.</summary>
    public string LogFormat { get; set; } = "text";
    /// <summary>Feed the server with simulated live traffic (<c>herald serve --demo</c>).</summary>
    public bool Demo { get; set; }
    /// <summary>Events per second the demo feeds.</summary>
    public int DemoRate { get; set; } = 200;

    /// <summary>
    /// The scheme, host and optional path prefix providers use to reach Herald (<c>https://hooks.example.com</c>) when a
    /// proxy sits in front: Twilio signs the URL it called, so the signature check rebuilds it from this. Unset: the request's own URL.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    public string DatabasePath => Path.Combine(DataDir, "herald.db");

    /// <summary>Which database holds Herald's data (<c>Herald__Store__Provider</c>, <c>Herald__Store__ConnectionString</c>).</summary>
    public StoreOptions Store { get; set; } = new();

    /// <summary>How personal data is kept (<c>Herald__Privacy__Recipients=plain|hashed</c>).</summary>
    public Herald.Storage.Encryption.PrivacyOptions Privacy { get; set; } = new();
}

/// <summary>The <c>Herald:Store</c> section: the embedded SQLite file (the default) or a PostgreSQL server.</summary>
public sealed class StoreOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (the file in the data directory) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;
    /// <summary>The Npgsql connection string, for <c>postgres</c> only.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>Stops the start with a clear message when the provider is unknown or PostgreSQL has no connection string.</summary>
    public void Validate()
    {
        if (!string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase) && !IsPostgres)
            throw new InvalidOperationException($"Herald:Store:Provider is '{Provider}': it must be '{Sqlite}' or '{Postgres}'");
        if (IsPostgres && string.IsNullOrWhiteSpace(ConnectionString))
            throw new InvalidOperationException("Herald:Store:Provider is 'postgres' but Herald:Store:ConnectionString is empty");
    }
}
