using Herald.Backup;
using Herald.Outbound;
using Quartz;

namespace Herald.Hosting;

public static partial class HeraldHost
{
    /// <summary>
    /// The scheduled backups (<c>Herald:Backup</c>): the store, the runner the schedule and <c>POST /api/v1/admin/backups</c>
    /// share. A cron expression or retention count that cannot work stops the start; so does a store setting, when the
    /// runner is first resolved (at start, in <see cref="Initialize"/>). Retention's archive store shares its settings.
    /// </summary>
    public static IServiceCollection AddHeraldBackups(this IServiceCollection services, IConfiguration configuration, HeraldOptions herald)
    {
        var options = configuration.GetSection(BackupStores.Setting).Get<BackupOptions>() ?? new BackupOptions();
        if (!CronExpression.TryParse(options.Cron, out _))
            throw new InvalidOperationException($"{BackupStores.Setting}:Cron: '{options.Cron}' is not a Quartz cron expression (seconds first, e.g. '0 30 1 * * ?')");
        if (options.KeepDaily < 0) throw new InvalidOperationException($"{BackupStores.Setting}:KeepDaily must be 0 or more");
        if (options.KeepWeekly < 0) throw new InvalidOperationException($"{BackupStores.Setting}:KeepWeekly must be 0 or more");
        services.AddOutboundGuard();
        services.AddSingleton(options);
        services.AddSingleton<BackupRunner>(sp => new BackupRunner(options, herald,
            BackupStores.Create(options, herald.DataDir, sp.GetRequiredService<OutboundConnector>()),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BackupRunner>>()));
        // Retention's archives (Herald:Retention:Archive) go to the same place, under retention/.
        services.AddSingleton<Maintenance.IArchiveStore>(sp => Maintenance.ArchiveStores.Create(options, herald.DataDir, sp.GetRequiredService<OutboundConnector>()));
        return services;
    }
}
