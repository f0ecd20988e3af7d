namespace Herald.Hosting;

/// <summary>
/// Configuration for the CLI commands that run without the web host: the same sources in the same order
/// (appsettings.json, environment variables, HERALD_DATA_DIR / HERALD_ADMIN_KEY).
/// </summary>
public static class HeraldConfiguration
{
    public static IConfiguration Load()
    {
        return new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(EnvironmentOverrides())
            .Build();
    }

    public static HeraldOptions Options(IConfiguration configuration) =>
        configuration.GetSection("Herald").Get<HeraldOptions>() ?? new HeraldOptions();

    public static Dictionary<string, string?> EnvironmentOverrides()
    {
        var overrides = new Dictionary<string, string?>();
        if (Environment.GetEnvironmentVariable("HERALD_DATA_DIR") is { Length: > 0 } dir) overrides["Herald:DataDir"] = dir;
        if (Environment.GetEnvironmentVariable("HERALD_ADMIN_KEY") is { Length: > 0 } key) overrides["Herald:AdminKey"] = key;
        return overrides;
    }
}
