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
}
