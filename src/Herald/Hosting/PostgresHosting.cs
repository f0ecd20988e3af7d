using Herald.Api.Auth;
using Herald.Engine;
using Herald.Storage;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;

namespace Herald.Hosting;

/// <summary>
/// <c>Herald:Store:Provider=postgres</c>: the engine, the metrics and failure analytics, teams and keys on PostgreSQL.
/// Store interfaces not ported yet answer 501 not_available_on_postgres (<see cref="UnportedStore"/>), and the background
/// services that need them do not run (docs/DEPLOYMENT.md lists both).
/// </summary>
public static class PostgresHosting
{
    /// <summary>The store interfaces PostgresStore serves.</summary>
    public static readonly IReadOnlySet<Type> PortedStores = new HashSet<Type>
    {
        typeof(IEngineStore), typeof(IRollupReader), typeof(IItemReader), typeof(IDirectoryStore), typeof(IStoreProbe), typeof(IFailureReader),
    };

    /// <summary>The background services that need only the ported stores.</summary>
    private static readonly HashSet<Type> PortedBackgroundServices = new() { typeof(IngestQueueLifetime), typeof(KeyUsageFlusher) };

    public static IServiceCollection AddHeraldPostgresStore(this IServiceCollection services, HeraldOptions options)
    {
        services.AddSingleton<StoreTimings>();
        services.AddSingleton(_ => new PostgresStore(options.Store.ConnectionString!, options.DataDir));
        foreach (var store in PortedStores) services.AddSingleton(store, sp => sp.GetRequiredService<PostgresStore>());
        return services;
    }

    /// <summary>
    /// Run after every feature registered itself: each store interface the SQLite store serves and PostgreSQL does not yet
    /// becomes an <see cref="UnportedStore"/>, and the background services that would call one are left out.
    /// </summary>
    public static IServiceCollection LimitToPostgresSlice(this IServiceCollection services)
    {
        var unported = typeof(SqliteStore).GetInterfaces().Where(i => i != typeof(IDisposable) && i != typeof(ISchemaMigrations) && !PortedStores.Contains(i)).ToHashSet();
        for (int i = 0; i < services.Count; i++)
        {
            var d = services[i];
            if (unported.Contains(d.ServiceType)) services[i] = ServiceDescriptor.Singleton(d.ServiceType, UnportedStore.For(d.ServiceType));
        }
        // Those that only the SQLite branch of AddHeraldStore registers.
        foreach (var store in unported.Where(u => !services.Any(d => d.ServiceType == u)))
            services.AddSingleton(store, UnportedStore.For(store));
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService) && !(ImplementationOf(d) is { } type && PortedBackgroundServices.Contains(type))).ToList();
        foreach (var d in hosted) services.Remove(d);
        return services;
    }

    /// <summary>The hosted service's class, also when it is registered by a factory (whose delegate's return type names it).</summary>
    private static Type? ImplementationOf(ServiceDescriptor d) =>
        d.ImplementationType ?? d.ImplementationInstance?.GetType() ?? d.ImplementationFactory?.GetType().GenericTypeArguments.LastOrDefault();

    /// <summary>
    /// Migrates, then waits for the writer's lease before it reads any engine state: a node that starts while another
    /// writes stays out of service (it does not listen yet) until the other's connection ends, then recovers and serves.
    /// </summary>
    public static void InitializePostgres(WebApplication app, HeraldOptions options, ILogger logger)
    {
        var store = app.Services.GetRequiredService<PostgresStore>();
        // The data directory still holds this node's own files (keys, the disk check's mount), only no database.
        Directory.CreateDirectory(options.DataDir);
        foreach (var m in store.MigrateUp()) logger.LogInformation("applied PostgreSQL migration {Version}: {Name}", m.Version, m.Name);
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        store.LeaseLost = () =>
        {
            logger.LogCritical("the writer's lease on {Store} was lost with its connection; stopping so another node takes over", store.Target);
            lifetime.StopApplication();
        };
        logger.LogInformation("waiting for the writer's lease on {Store}", store.Target);
        store.AcquireWriterLease();
        // Under the lease, so one node does it: the master key must open the data keys, and older plain values get sealed.
        long sealedFields = store.SealPlaintextFields();
        if (sealedFields > 0) logger.LogInformation("sealed {Count} values stored before field encryption", sealedFields);
        _ = app.Services.GetRequiredService<DimensionRegistry>();
        var writer = app.Services.GetRequiredService<BatchWriter>();
        writer.Recover();
        if (writer.EventsReplayed > 0) logger.LogWarning("recovered {Events} events accepted but not yet folded into rollups at the last stop", writer.EventsReplayed);
        _ = app.Services.GetRequiredService<IngestQueue>();
        Bootstrap.EnsureAdminKey(store, app.Services.GetRequiredService<ApiKeyService>(), options, logger);
        logger.LogInformation("Herald store: {Store} (writer's lease held)", store.Target);
    }
}
