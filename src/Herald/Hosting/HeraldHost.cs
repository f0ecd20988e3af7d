using System.Text.Json;
using Herald.Analytics;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Api.Events;
using Herald.Api.DeliveryMetrics;
using Herald.Api.Failures;
using Herald.Api.Items;
using Herald.Api.Otp;
using Herald.Api.Metrics;
using Herald.Api.Teams;
using Herald.Dashboard;
using Herald.Ingestion;
using Herald.Otp;
using Herald.Senders;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Herald.Webhooks;

namespace Herald.Hosting;

/// <summary>Builds the Herald web application: the store, the engine, the API, and their lifetimes.</summary>
public static class HeraldHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // PRODUCT.md's documented variables, mapped onto the Herald section.
        builder.Configuration.AddInMemoryCollection(HeraldConfiguration.EnvironmentOverrides());
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection("Herald").Get<HeraldOptions>() ?? new HeraldOptions();
        var ingestOptions = builder.Configuration.GetSection("Herald:Ingest").Get<IngestOptions>() ?? new IngestOptions();
        ConfigureLogging(builder, options);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(ingestOptions);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => DataDirectoryLock.Acquire(options.DataDir));
        services.AddSingleton(sp =>
        {
            _ = sp.GetRequiredService<DataDirectoryLock>(); // the store opens only under the data directory's lock
            return new SqliteStore(options.DatabasePath, ingestOptions.FullSync);
        });
        services.AddSingleton<IEngineStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IRollupReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IItemReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IDirectoryStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton(sp =>
        {
            var registry = new DimensionRegistry();
            registry.Load(sp.GetRequiredService<IEngineStore>());
            return registry;
        });
        services.AddSingleton<PendingRollups>();
        services.AddSingleton(builder.Configuration.GetSection("Herald:Writer").Get<WriterOptions>() ?? new WriterOptions());
        services.AddSingleton<BatchWriter>();
        services.AddSingleton<IngestQueue>();
        services.AddSingleton<MetricsQuery>();
        services.AddFailureAnalysis();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<TeamDirectory>();
        services.AddSingleton<ItemHistory>();
        AddOtp(services, builder.Configuration, options);
        services.AddHeraldWebhooks();
        services.AddHeraldDashboard(options);
        services.AddHostedService<IngestQueueLifetime>();
        services.AddHostedService<KeyUsageFlusher>();
        if (options.Demo)
        {
            services.AddHostedService<DemoTraffic>();
            services.AddSingleton<DemoInbox>();
            services.AddSingleton<IMessageSender>(sp => sp.GetRequiredService<DemoInbox>());
            services.AddHostedService<DemoOtp>();
        }
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        // Binding failures (a non-numeric limit, a body that is not JSON) throw, so ApiErrorMiddleware answers them in the envelope.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var app = builder.Build();
        Initialize(app, options);

        app.UseMiddleware<ApiErrorMiddleware>();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Herald API v1");
            o.RoutePrefix = "docs";
            o.DocumentTitle = "Herald API";
        });
        app.MapHealthEndpoints();
        app.MapEventsEndpoints();
        app.MapMetricsEndpoints();
        app.MapFailuresEndpoints();
        app.MapItemsEndpoints();
        app.MapTeamsEndpoints();
        app.MapOtpEndpoints();
        app.MapDeliveryMetricsEndpoints();
        app.MapWebhookEndpoints();
        app.MapDashboardEndpoints();
        app.MapGet("/", () => Results.Redirect("/docs")).ExcludeFromDescription();
        return app;
    }

    private static void AddOtp(IServiceCollection services, IConfiguration configuration, HeraldOptions options)
    {
        var otpOptions = configuration.GetSection("Herald:Otp").Get<OtpOptions>() ?? new OtpOptions();
        if (options.Demo) otpOptions.EnableConsoleSender = true;
        services.AddSingleton(otpOptions);
        services.AddHeraldSenders();
        services.AddSingleton<IOtpStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton(_ => OtpCodes.FromKeyFile(Path.Combine(options.DataDir, "otp.key")));
        services.AddSingleton<OtpServices>();
        services.AddSingleton<ServiceCircuits>();
        services.AddSingleton<OtpAttemptStats>();
        services.AddSingleton<ServiceHealth>();
        services.AddSingleton<DeliveryAlerts>();
        services.AddSingleton<AttemptRecorder>();
        services.AddSingleton<OtpDispatcher>();
        services.AddSingleton<OtpManager>();
        services.AddSingleton<DeliveryMetricsService>();
        services.AddHostedService<OtpMaintenance>();
    }

    /// <summary>Migrates the store, loads the engine's state, and makes the bootstrap admin key.</summary>
    private static void Initialize(WebApplication app, HeraldOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Herald");
        var store = app.Services.GetRequiredService<SqliteStore>();
        foreach (var m in store.MigrateUp()) logger.LogInformation("applied migration {Version}: {Name}", m.Version, m.Name);
        _ = app.Services.GetRequiredService<DimensionRegistry>();
        var writer = app.Services.GetRequiredService<BatchWriter>();
        writer.Recover();
        if (writer.EventsReplayed > 0) logger.LogWarning("recovered {Events} events accepted but not yet folded into rollups at the last stop", writer.EventsReplayed);
        _ = app.Services.GetRequiredService<IngestQueue>();
        Bootstrap.EnsureAdminKey(store, app.Services.GetRequiredService<ApiKeyService>(), options, logger);
        logger.LogInformation("Herald store: {Path}", store.Path);
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, HeraldOptions options)
    {
        if (!string.Equals(options.LogFormat, "json", StringComparison.OrdinalIgnoreCase)) return;
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = false;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            o.UseUtcTimestamp = true;
            o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
        });
    }
}
