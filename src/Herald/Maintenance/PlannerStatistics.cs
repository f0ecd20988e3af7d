using Herald.Storage;

namespace Herald.Maintenance;

/// <summary>How often the store's query planner statistics are refreshed (<c>Herald:Planner</c>).</summary>
public sealed class PlannerOptions
{
    public bool Enabled { get; set; } = true;
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(2);
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);
}

/// <summary>
/// Keeps the planner's statistics fresh: the first run analyzes every index (ANALYZE, at most about 1,000 rows read per
/// index), later ones run <c>PRAGMA optimize</c>, which re-analyzes only tables that changed much since. The index usage
/// insight reads what they leave.
/// </summary>
public sealed class PlannerStatistics(IIndexStatsStore store, PlannerOptions options, TimeProvider time, ILogger<PlannerStatistics> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled) return;
        try
        {
            await Task.Delay(options.InitialDelay, time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Run(() => store.OptimizePlanner(time.GetUtcNow().ToUnixTimeMilliseconds()), stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "could not refresh the query planner's statistics");
                }
                await Task.Delay(options.Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
