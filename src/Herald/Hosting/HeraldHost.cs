using System.Text.Json;
using Herald.Alerts;
using Herald.Analytics;
using Herald.Api;
using Herald.Api.Accounts;
using Herald.Api.Alerts;
using Herald.Api.Auth;
using Herald.Api.Campaigns;
using Herald.Api.Consent;
using Herald.Api.Events;
using Herald.Api.DeliveryMetrics;
using Herald.Api.Failures;
using Herald.Api.Items;
using Herald.Api.Jobs;
using Herald.Api.Snapshots;
using Herald.Api.Otp;
using Herald.Api.Overview;
using Herald.Api.Reports;
using Herald.Api.Metrics;
using Herald.Api.Teams;
using Herald.Api.Trends;
using Herald.Dashboard;
using Herald.Jobs;
using Herald.Maintenance;
using Herald.Monitoring;
using Herald.Otp;
using Herald.Realtime;
using Herald.Outbound;
using Herald.Reports;
using Herald.Senders;
using Herald.Snapshots;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Herald.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Hosting;

/// <summary>Builds the Herald web application: the store, the engine, the API, and their lifetimes.</summary>
public static class HeraldHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        AddAppDirectorySettings(builder.Configuration);
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
        services.AddSingleton(OutboundPolicy.Parse(builder.Configuration[OutboundPolicy.AllowListSetting]));
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
        services.AddSingleton<IStoreProbe>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ISessionStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton(sp =>
        {
            var registry = new DimensionRegistry();
            registry.Load(sp.GetRequiredService<IEngineStore>());
            return registry;
        });
        services.AddSingleton(builder.Configuration.GetSection("Herald:Cache").Get<Herald.Analytics.Caching.CacheOptions>() ?? new Herald.Analytics.Caching.CacheOptions());
        services.AddSingleton<Herald.Engine.DataChanges>();
        services.AddSingleton<Herald.Analytics.Caching.AnswerCache>();
        services.AddSingleton<PendingRollups>();
        services.AddSingleton(builder.Configuration.GetSection("Herald:Writer").Get<WriterOptions>() ?? new WriterOptions());
        services.AddSingleton<BatchWriter>();
        services.AddSingleton<IngestQueue>();
        services.AddSingleton<RequestBodies>();
        services.AddSingleton<RetentionHorizons>();
        services.AddSingleton<MetricsQuery>();
        services.AddSingleton<CustomAggregation>();
        services.AddSingleton<StalledItems>();
        services.AddSingleton<ICampaignStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<Herald.Analytics.Campaigns.CampaignAnalytics>();
        services.AddSingleton<IConsentReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<Herald.Analytics.Consent.ConsentAnalysis>();
        services.AddSingleton<IContactSettingsStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<Herald.Analytics.Consent.AccountMinutes>();
        services.AddSingleton<Herald.Analytics.Consent.ConsentTimelines>();
        services.AddSingleton<Herald.Analytics.Consent.ComplianceHours>();
        services.AddSingleton<Herald.Analytics.Consent.ComplianceAnalysis>();
        services.AddSingleton<IContactReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ContactCounts>();
        services.AddSingleton<IFailureReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddFailureAnalysis();
        services.AddSingleton<ApiKeyService>();
        services.AddHeraldAuthentication(builder.Configuration);
        services.AddSingleton<TeamDirectory>();
        services.AddSingleton<ItemHistory>();
        AddOtp(services, builder.Configuration, options);
        services.AddHeraldWebhooks();
        AddSnapshotJobs(services, builder.Configuration);
        AddAlertsAndMonitoring(services, builder.Configuration);
        services.AddHeraldDashboard(options);
        AddReports(services, builder.Configuration);
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
            // Numbers are numbers: a quoted "5" where a number belongs is a 400, not silently read.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.Converters.Add(new FiniteDoubleConverter());
            o.SerializerOptions.Converters.Add(new InstantJsonConverter());
        });
        // Binding failures (a non-numeric limit, a body that is not JSON) throw, so ApiErrorMiddleware answers them in the envelope.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(Herald.Api.Parameters.OpenApiParameterSchemas.Configure);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var app = builder.Build();
        Initialize(app, options);

        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseHeraldAuthentication();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Herald API v1");
            o.RoutePrefix = "docs";
            o.DocumentTitle = "Herald API";
        });
        app.MapHeraldHealthChecks();
        app.MapEventsEndpoints();
        app.MapMetricsEndpoints();
        app.MapFailuresEndpoints();
        app.MapItemsEndpoints();
        app.MapTeamsEndpoints();
        app.MapOtpEndpoints();
        app.MapDeliveryMetricsEndpoints();
        app.MapTrendEndpoints();
        app.MapRealtimeSocketEndpoints();
        app.MapRealtimeMetricsSocketIo();
        app.MapAggregationEndpoints();
        app.MapAccountMetricsEndpoints();
        app.MapCampaignsEndpoints();
        app.MapConsentEndpoints();
        app.MapContactsEndpoints();
        app.MapRouteEndpoints();
        app.MapOverviewEndpoints();
        app.MapWebhookEndpoints();
        app.MapSnapshotsEndpoints();
        app.MapJobsEndpoints();
        app.MapAlertsEndpoints();
        app.MapMonitoringEndpoints();
        app.MapDashboardEndpoints();
        app.MapReportsEndpoints();
        app.MapReportSchedulesEndpoints();
        app.MapGet("/", () => Results.Redirect("/docs")).ExcludeFromDescription();
        return app;
    }

    private static void AddAlertsAndMonitoring(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection("Herald:Alerts").Get<AlertOptions>() ?? new AlertOptions());
        services.AddSingleton(configuration.GetSection("Herald:Metrics").Get<MetricsOptions>() ?? new MetricsOptions());
        services.AddSingleton(configuration.GetSection("Herald:Retention").Get<RetentionOptions>() ?? new RetentionOptions());
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IMaintenanceStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<RequestMetrics>();
        services.AddHeraldHealthChecks();
        services.AddSingleton<SystemMetrics>();
        services.AddHeraldMetrics();
        AddUtilization(services, configuration);
        services.AddSingleton<AlertRules>();
        services.AddSingleton<AlertMetricReader>();
        services.AddSingleton<AlertNotifier>();
        services.AddSingleton<AlertEngine>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, MetricsScrapeRequirementHandler>();
        services.AddAuthorizationBuilder().AddPolicy(MetricsScrapeRequirement.PolicyName, p => p.AddRequirements(new MetricsScrapeRequirement()));
        services.AddSingleton<DatabaseMaintenance>();
        services.AddHostedService<AlertEvaluationService>();
        services.AddHostedService<MaintenanceService>();
    }

    /// <summary>The process's utilization, sampled and stored for the system report (<c>Herald:Utilization</c>).</summary>
    private static void AddUtilization(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Herald:Utilization").Get<Herald.Utilization.UtilizationOptions>() ?? new Herald.Utilization.UtilizationOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<IUtilizationStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<Herald.Utilization.NetworkCounters>();
        services.AddSingleton<Herald.Utilization.HttpRequestRecorder>();
        if (options.Enabled) services.AddHostedService<Herald.Utilization.UtilizationSampler>();
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

    /// <summary>
    /// Seed 002's snapshots and their jobs. The snapshot store is added only when none is registered yet, so a host
    /// (a test) may put its own in front of the SQLite one. The scheduler runs as a hosted service unless
    /// <c>Herald:Jobs:Enabled</c> is false; manual triggers work either way.
    /// </summary>
    private static void AddSnapshotJobs(IServiceCollection services, IConfiguration configuration)
    {
        var jobs = configuration.GetSection("Herald:Jobs").Get<JobsOptions>() ?? new JobsOptions();
        services.AddSingleton(jobs);
        services.TryAddSingleton<ISnapshotStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<SnapshotBuilder>();
        services.AddSingleton<DashboardMetrics>();
        services.AddSingleton<SnapshotService>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<JobScheduler>();
        if (jobs.Enabled) services.AddHostedService(sp => sp.GetRequiredService<JobScheduler>());
    }

    /// <summary>
    /// Seed 004's generated and scheduled reports and seed 003's daily and weekly reports (<c>Herald:Reports</c>). A wrong
    /// <c>Herald:Reports:Smtp</c> setting stops the start.
    /// </summary>
    private static void AddReports(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Herald:Reports").Get<ReportsOptions>() ?? new ReportsOptions();
        Herald.Reports.Scheduling.ReportMailer.Validate(options);
        services.AddSingleton(options);
        services.AddSingleton<IReportStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IReportScheduleStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<UtilizationReport>();
        services.AddSingleton<PerformanceReportDocuments>();
        services.AddSingleton<ReportBuilder>();
        services.AddSingleton<ReportService>();
        services.AddSingleton<PerformanceReports>();
        services.AddSingleton<Herald.Reports.Scheduling.ReportMailer>();
        services.AddSingleton<Herald.Reports.Scheduling.ScheduledReportRunner>();
        services.AddSingleton<Herald.Reports.Scheduling.ReportScheduler>();
        if (options.SchedulesEnabled) services.AddHostedService(sp => sp.GetRequiredService<Herald.Reports.Scheduling.ReportScheduler>());
        services.AddHostedService<ReportMaintenance>();
    }

    /// <summary>Migrates the store, loads the engine's state, and makes the bootstrap admin key.</summary>
    private static void Initialize(WebApplication app, HeraldOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Herald");
        var store = app.Services.GetRequiredService<SqliteStore>();
        foreach (var m in store.MigrateUp()) logger.LogInformation("applied migration {Version}: {Name}", m.Version, m.Name);
        _ = app.Services.GetRequiredService<DimensionRegistry>();
        app.Services.GetRequiredService<DatabaseMaintenance>().LoadHorizons();
        var writer = app.Services.GetRequiredService<BatchWriter>();
        writer.Recover();
        if (writer.EventsReplayed > 0) logger.LogWarning("recovered {Events} events accepted but not yet folded into rollups at the last stop", writer.EventsReplayed);
        _ = app.Services.GetRequiredService<IngestQueue>();
        int interrupted = app.Services.GetRequiredService<ReportService>().FailInterrupted();
        if (interrupted > 0) logger.LogWarning("{Count} reports were interrupted by the last stop and are marked failed", interrupted);
        Bootstrap.EnsureAdminKey(store, app.Services.GetRequiredService<ApiKeyService>(), options, logger);
        logger.LogInformation("Herald store: {Path}", store.Path);
    }

    /// <summary>
    /// appsettings.json beside herald.dll, below every other source: the framework reads it only from the content root
    /// (the working directory), so `herald serve` started elsewhere ran with other settings and Information-level request
    /// logs. The content root's file, environment variables and the command line still override it.
    /// </summary>
    private static void AddAppDirectorySettings(ConfigurationManager configuration)
    {
        var appSettings = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
            Optional = true,
        };
        appSettings.ResolveFileProvider();
        configuration.Sources.Insert(0, appSettings);
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
