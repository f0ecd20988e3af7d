using System.Text.Json;
using Herald.Alerts;
using Herald.Analytics;
using Herald.Api;
using Herald.Api.Accounts;
using Herald.Api.Alerts;
using Herald.Api.Audit;
using Herald.Api.Backups;
using Herald.Audit;
using Herald.Api.Auth;
using Herald.Api.Campaigns;
using Herald.Api.Capacity;
using Herald.Api.Consent;
using Herald.Api.Database;
using Herald.Api.Events;
using Herald.Api.DeliveryMetrics;
using Herald.Api.Failures;
using Herald.Api.Insights;
using Herald.Api.Items;
using Herald.Api.Jobs;
using Herald.Api.Snapshots;
using Herald.Api.Otp;
using Herald.Api.Overview;
using Herald.Api.Reports;
using Herald.Api.Segments;
using Herald.Api.Metrics;
using Herald.Api.Teams;
using Herald.Api.Trends;
using Herald.Api.Users;
using Herald.Calls;
using Herald.Dashboard;
using Herald.Deliveries;
using Herald.Jobs;
using Herald.Maintenance;
using Herald.Monitoring;
using Herald.Otp;
using Herald.Realtime;
using Herald.Recordings;
using Herald.Outbound;
using Herald.Reports;
using Herald.Backup;
using Herald.Senders;
using Herald.Snapshots;
using Herald.Storage;
using Herald.Storage.Encryption;
using Herald.Storage.Sqlite;
using Herald.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Hosting;

/// <summary>Builds the Herald web application: the store, the engine, the API, and their lifetimes.</summary>
public static partial class HeraldHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // herald itself runs culture-invariant (InvariantGlobalization); a host that keeps cultures (tests, the bench) must
        // not let its locale reach what Herald writes either.
        System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        var builder = WebApplication.CreateBuilder(args);
        AddAppDirectorySettings(builder.Configuration);
        // PRODUCT.md's documented variables, mapped onto the Herald section.
        builder.Configuration.AddInMemoryCollection(HeraldConfiguration.EnvironmentOverrides());
        configure?.Invoke(builder);

        var configuration = builder.Configuration;
        var options = configuration.GetSection("Herald").Get<HeraldOptions>() ?? new HeraldOptions();
        ConfigureLogging(builder, options);

        builder.Services
            .AddHeraldSettings(configuration, options)
            .AddHeraldStore(configuration, options)
            .AddHeraldWalArchive(configuration)
            .AddHeraldEngine(configuration)
            .AddHeraldAnalytics(configuration)
            .AddHeraldAccess(configuration)
            .AddHeraldHttpApi()
            .AddHeraldOtp(configuration, options)
            .AddHeraldWebhooks()
            .AddHeraldSnapshotJobs(configuration)
            .AddHeraldBackups(configuration, options)
            .AddHeraldTls(configuration)
            .AddHeraldAlertsAndMonitoring(configuration)
            .AddHeraldDashboard(options)
            .AddHeraldReports(configuration)
            .AddDeliveries(configuration, options)
            .AddHeraldCalls(configuration)
            .AddHeraldRecordings(configuration, options)
            .AddHeraldAudit(configuration)
            .AddHeraldDemo(options);
        if (options.Store.IsPostgres) builder.Services.LimitToPostgresSlice();

        var app = builder.Build();
        Initialize(app, options);
        app.UseHeraldPipeline();
        app.MapHeraldEndpoints();
        return app;
    }

    private static void UseHeraldPipeline(this WebApplication app)
    {
        app.UseHeraldTls();
        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseHeraldRouting();
        // After routing, so it knows the route (and keeps no event batch); before authentication, so refusals are recorded too.
        // The audit trail is not on PostgreSQL yet (its routes answer 501).
        if (!app.Services.GetRequiredService<HeraldOptions>().Store.IsPostgres) app.UseMiddleware<AuditMiddleware>();
        app.UseHeraldAuthentication();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Every feature's route table, one call each.</summary>
    private static void MapHeraldEndpoints(this WebApplication app)
    {
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
        app.MapItemSearchEndpoints();
        app.MapTeamsEndpoints();
        app.MapOtpEndpoints();
        app.MapDeliveryMetricsEndpoints();
        app.MapTrendEndpoints();
        app.MapRealtimeSocketEndpoints();
        app.MapRealtimeMetricsSocketIo();
        app.MapAggregationEndpoints();
        app.MapAccountMetricsEndpoints();
        app.MapCampaignsEndpoints();
        app.MapSegmentsEndpoints();
        app.MapInsightsEndpoints();
        app.MapConsentEndpoints();
        app.MapContactsEndpoints();
        app.MapUsersEndpoints();
        app.MapRouteEndpoints();
        app.MapOverviewEndpoints();
        app.MapWebhookEndpoints();
        app.MapSnapshotsEndpoints();
        app.MapJobsEndpoints();
        app.MapBackupsEndpoints();
        app.MapAlertsEndpoints();
        app.MapMonitoringEndpoints();
        app.MapRetentionEndpoints();
        app.MapSystemMetricsEndpoints();
        app.MapDatabaseMetricsEndpoints();
        app.MapCapacityEndpoints();
        app.MapDashboardEndpoints();
        app.MapReportsEndpoints();
        app.MapReportSchedulesEndpoints();
        app.MapDeliveryOperations();
        app.MapCallsEndpoints();
        app.MapRecordingsEndpoints();
        app.MapAuditEndpoints();
        app.MapGet("/", () => Results.Redirect("/docs")).ExcludeFromDescription();
    }

    public static IServiceCollection AddHeraldSettings(this IServiceCollection services, IConfiguration configuration, HeraldOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(configuration.GetSection("Herald:Ingest").Get<IngestOptions>() ?? new IngestOptions());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(OutboundPolicy.Parse(configuration[OutboundPolicy.AllowListSetting]));
        return services;
    }

    /// <summary>
    /// The SQLite store, opened under the data directory's lock, behind each store interface it serves; or, with
    /// <c>Herald:Store:Provider=postgres</c>, the PostgreSQL store behind the interfaces it serves so far.
    /// </summary>
    public static IServiceCollection AddHeraldStore(this IServiceCollection services, IConfiguration configuration, HeraldOptions options)
    {
        options.Store.Validate();
        bool hashedRecipients = options.Privacy.HashedRecipients;
        if (options.Store.IsPostgres)
        {
            if (hashedRecipients) throw new RecipientModeException("Herald__Privacy__Recipients=hashed is not available on PostgreSQL yet: use plain, or the SQLite store");
            services.AddSingleton(RecipientPrivacy.Plain);
            return services.AddHeraldPostgresStore(options);
        }
        bool fullSync = (configuration.GetSection("Herald:Ingest").Get<IngestOptions>() ?? new IngestOptions()).FullSync;
        services.AddSingleton(_ => DataDirectoryLock.Acquire(options.DataDir));
        services.AddSingleton<StoreTimings>();
        services.AddSingleton(sp =>
        {
            _ = sp.GetRequiredService<DataDirectoryLock>(); // the store opens only under the data directory's lock
            return new SqliteStore(options.DatabasePath, fullSync, sp.GetRequiredService<StoreTimings>(), archiverCheckpoints: ArchiveOptions(configuration).Enabled);
        });
        // Held to the configured mode (or the start refused) before anything takes a recipient; Initialize resolves it first.
        services.AddSingleton(sp => sp.GetRequiredService<SqliteStore>().UseRecipientMode(hashedRecipients, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        services.AddSingleton<IEngineStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IRollupReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IItemReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IDirectoryStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IStoreProbe>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ISessionStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ICampaignStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IConsentReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IContactSettingsStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IFailureReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IConsentStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IUserReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IItemSearchReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IAuditStore>(sp => sp.GetRequiredService<SqliteStore>());
        return services;
    }

    private static WalArchiveOptions ArchiveOptions(IConfiguration configuration) =>
        configuration.GetSection("Herald:Backup:Archive").Get<WalArchiveOptions>() ?? new WalArchiveOptions();

    /// <summary>
    /// Continuous WAL archiving for point-in-time restore, when <c>Herald:Backup:Archive:Enabled</c>. Registered right after the
    /// store, so it starts before anything writes and stops after everything else has, archiving the last frames.
    /// </summary>
    public static IServiceCollection AddHeraldWalArchive(this IServiceCollection services, IConfiguration configuration)
    {
        var archive = ArchiveOptions(configuration);
        services.AddSingleton(archive);
        if (archive.Enabled) services.AddHostedService<WalArchiver>();
        return services;
    }

    /// <summary>The audit trail: the middleware's group-committed appends, retention, and the chain the CLI verifies.</summary>
    public static IServiceCollection AddHeraldAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection("Herald:Audit").Get<AuditOptions>() ?? new AuditOptions());
        services.AddSingleton<AuditTrail>();
        services.AddHostedService<AuditMaintenance>();
        return services;
    }

    /// <summary>The write side: dimensions, the writer and its queue, the unflushed overlay, bounded request bodies.</summary>
    public static IServiceCollection AddHeraldEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp =>
        {
            var registry = new DimensionRegistry();
            registry.Load(sp.GetRequiredService<IEngineStore>());
            return registry;
        });
        services.AddSingleton<DataChanges>();
        services.AddSingleton<PendingRollups>();
        services.AddSingleton(configuration.GetSection("Herald:Writer").Get<WriterOptions>() ?? new WriterOptions());
        services.AddSingleton<BatchWriter>();
        services.AddSingleton<IngestQueue>();
        services.AddSingleton<RequestBodies>();
        services.AddSingleton<RetentionHorizons>();
        services.AddHostedService<IngestQueueLifetime>();
        return services;
    }

    /// <summary>The read side: metric queries, their answer cache, campaign, consent, contact and failure analysis.</summary>
    public static IServiceCollection AddHeraldAnalytics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection("Herald:Cache").Get<Herald.Analytics.Caching.CacheOptions>() ?? new Herald.Analytics.Caching.CacheOptions());
        services.AddSingleton<Herald.Analytics.Caching.AnswerCache>();
        services.AddSingleton<MetricsQuery>();
        services.AddSingleton<CustomAggregation>();
        services.AddSingleton<StalledItems>();
        services.AddSingleton<Herald.Analytics.Campaigns.CampaignAnalytics>();
        services.AddSingleton<Herald.Analytics.Consent.ConsentAnalysis>();
        services.AddSingleton<Herald.Analytics.Consent.AccountMinutes>();
        services.AddSingleton<Herald.Analytics.Consent.ConsentTimelines>();
        services.AddSingleton<Herald.Analytics.Consent.ComplianceHours>();
        services.AddSingleton<Herald.Analytics.Consent.ComplianceAnalysis>();
        services.AddSingleton<Herald.Analytics.Consent.ConsentRecorder>();
        services.AddSingleton<Herald.Analytics.Consent.ResponsePatterns>();
        services.AddSingleton<Herald.Analytics.Users.UserAnalytics>();
        services.AddHeraldInsights(configuration);
        services.AddFailureAnalysis();
        services.AddSingleton<ItemHistory>();
        services.AddSingleton<Herald.Analytics.Items.ItemSearch>();
        services.AddSingleton<Herald.Analytics.Items.ItemRows>();
        services.AddSingleton<ItemExports>();
        services.AddSingleton(configuration.GetSection("Herald:Exports").Get<ItemExportOptions>() ?? new ItemExportOptions());
        return services;
    }

    /// <summary>Seed 003's insights (segments, templates, send times, rate ceilings, index usage) and the planner statistics behind the last.</summary>
    public static IServiceCollection AddHeraldInsights(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<Herald.Analytics.Insights.InsightItems>();
        services.AddSingleton<Herald.Analytics.Insights.InsightAnalytics>();
        services.AddSingleton<IIndexStatsStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton(configuration.GetSection("Herald:Planner").Get<PlannerOptions>() ?? new PlannerOptions());
        services.AddHostedService<PlannerStatistics>();
        return services;
    }

    /// <summary>Teams, API keys and the authentication schemes and policies in front of every route.</summary>
    public static IServiceCollection AddHeraldAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ApiKeyService>();
        services.AddHeraldAuthentication(configuration);
        services.AddSingleton<TeamDirectory>();
        services.AddHostedService<KeyUsageFlusher>();
        return services;
    }

    /// <summary>JSON as the API writes it, binding failures as errors in the envelope, the OpenAPI document.</summary>
    public static IServiceCollection AddHeraldHttpApi(this IServiceCollection services)
    {
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
        return services;
    }

    /// <summary><c>serve --demo</c>: generated traffic, a delivery operation, and OTP codes shown in the dashboard's inbox instead of sent.</summary>
    public static IServiceCollection AddHeraldDemo(this IServiceCollection services, HeraldOptions options)
    {
        if (!options.Demo) return services;
        services.AddHostedService<DemoTraffic>();
        services.AddSingleton<DemoInbox>();
        services.AddSingleton<IMessageSender>(sp => sp.GetRequiredService<DemoInbox>());
        services.AddHostedService<DemoOtp>();
        services.AddHostedService<DemoDeliveries>();
        return services;
    }

    public static IServiceCollection AddHeraldAlertsAndMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        var alertOptions = configuration.GetSection("Herald:Alerts").Get<AlertOptions>() ?? new AlertOptions();
        alertOptions.Validate();
        services.AddSingleton(alertOptions);
        services.AddSingleton<IncidentPolicy>();
        services.AddSingleton(configuration.GetSection("Herald:Metrics").Get<MetricsOptions>() ?? new MetricsOptions());
        var retentionOptions = configuration.GetSection("Herald:Retention").Get<RetentionOptions>() ?? new RetentionOptions();
        retentionOptions.Validate();
        services.AddSingleton(retentionOptions);
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IMaintenanceStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IPurgeStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<RequestMetrics>();
        services.AddHeraldHealthChecks();
        services.AddSingleton<SystemMetrics>();
        services.AddHeraldMetrics();
        AddUtilization(services, configuration);
        AddSystemMetrics(services, configuration);
        services.AddSingleton<AlertRules>();
        services.AddSingleton<AlertMetricReader>();
        services.AddSingleton<AlertNotifier>();
        services.AddSingleton<AlertEngine>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, MetricsScrapeRequirementHandler>();
        services.AddAuthorizationBuilder().AddPolicy(MetricsScrapeRequirement.PolicyName, p => p.AddRequirements(new MetricsScrapeRequirement()));
        services.AddSingleton<RetentionPurger>();
        services.AddSingleton<DatabaseMaintenance>();
        services.AddSingleton<IStoreLayoutReader>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<CachedStoreLayout>();
        services.AddSingleton<IServerHistoryStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton(configuration.GetSection("Herald:History").Get<ServerHistoryOptions>() ?? new ServerHistoryOptions());
        services.AddSingleton<ServerHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<ServerHistory>());
        services.AddSingleton<CapacityPlanning>();
        services.AddHostedService<AlertEvaluationService>();
        services.AddHostedService<MaintenanceService>();
        return services;
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

    /// <summary>The system metrics time series, sampled and stored for <c>/api/v1/system-metrics</c> (<c>Herald:SystemMetrics</c>).</summary>
    private static void AddSystemMetrics(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Herald:SystemMetrics").Get<SystemMetricsOptions>() ?? new SystemMetricsOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<ISystemMetricStore>(sp => sp.GetRequiredService<SqliteStore>());
        if (options.Enabled) services.AddHostedService<SystemMetricsCollector>();
    }

    public static IServiceCollection AddHeraldOtp(this IServiceCollection services, IConfiguration configuration, HeraldOptions options)
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
        return services;
    }

    /// <summary>
    /// Seed 002's snapshots and their jobs. The snapshot store is added only when none is registered yet, so a host
    /// (a test) may put its own in front of the SQLite one. The scheduler runs as a hosted service unless
    /// <c>Herald:Jobs:Enabled</c> is false; manual triggers work either way.
    /// </summary>
    public static IServiceCollection AddHeraldSnapshotJobs(this IServiceCollection services, IConfiguration configuration)
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
        return services;
    }

    /// <summary>
    /// Seed 004's generated and scheduled reports and seed 003's daily and weekly reports (<c>Herald:Reports</c>). A wrong
    /// <c>Herald:Reports:Smtp</c> setting stops the start.
    /// </summary>
    public static IServiceCollection AddHeraldReports(this IServiceCollection services, IConfiguration configuration)
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
        return services;
    }

    /// <summary>Migrates the store, loads the engine's state, and makes the bootstrap admin key.</summary>
    private static void Initialize(WebApplication app, HeraldOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Herald");
        if (options.Store.IsPostgres)
        {
            PostgresHosting.InitializePostgres(app, options, logger);
            return;
        }
        var store = app.Services.GetRequiredService<SqliteStore>();
        foreach (var m in store.MigrateUp()) logger.LogInformation("applied migration {Version}: {Name}", m.Version, m.Name);
        // Before anything reads a protected field: the master key must open the data keys, and older plain rows get sealed.
        long sealedFields = store.SealPlaintextFields();
        if (sealedFields > 0) logger.LogInformation("sealed {Count} values stored before field encryption", sealedFields);
        var recipients = app.Services.GetRequiredService<RecipientPrivacy>();
        if (recipients.IsHashed) logger.LogInformation("recipients are stored as keyed HMACs (Herald:Privacy:Recipients=hashed)");
        _ = app.Services.GetRequiredService<DimensionRegistry>();
        app.Services.GetRequiredService<DatabaseMaintenance>().LoadHorizons();
        var writer = app.Services.GetRequiredService<BatchWriter>();
        writer.Recover();
        if (writer.EventsReplayed > 0) logger.LogWarning("recovered {Events} events accepted but not yet folded into rollups at the last stop", writer.EventsReplayed);
        _ = app.Services.GetRequiredService<IngestQueue>();
        // Before any request: deliveries and the engine agree again (see DeliveryWriter), then the writer takes commands.
        app.Services.GetRequiredService<Herald.Deliveries.DeliveryWriter>().ReconcileAsync().GetAwaiter().GetResult();
        int interrupted = app.Services.GetRequiredService<ReportService>().FailInterrupted();
        if (interrupted > 0) logger.LogWarning("{Count} reports were interrupted by the last stop and are marked failed", interrupted);
        _ = app.Services.GetRequiredService<Herald.Backup.BackupRunner>(); // a backup store setting that cannot work stops the start
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
