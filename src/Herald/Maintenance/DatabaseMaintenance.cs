using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Maintenance;

/// <summary>
/// Enforces retention. Per stored granularity, the cut-off is now less its retention, floored to the next coarser
/// granularity (minute cells go by whole hours, hour cells by whole days, day and month cells by whole months), so
/// nothing younger than its retention is ever deleted. The cut-off becomes the granularity's horizon first
/// (<see cref="RetentionHorizons"/>, persisted): from then on queries read those buckets from coarser cells; then the
/// cells before it are deleted in small batches, one short transaction each. Only stored rows are deleted: the writer's
/// pending (not yet folded) cells and item states are never touched, and raw events are deleted only at or below the
/// engine checkpoint, so recovery still finds every event it must replay. A late event for a bucket past retention
/// still updates its minute cell (deleted again at the next run) and the coarser cells queries read there.
/// </summary>
public sealed class DatabaseMaintenance(IMaintenanceStore store, RetentionHorizons horizons, RetentionOptions options, TimeProvider time, ILogger<DatabaseMaintenance> logger)
{
    public MaintenanceRunRecord RunOnce(CancellationToken ct = default)
    {
        var started = time.GetUtcNow();
        var deleted = new Dictionary<string, long>(StringComparer.Ordinal);
        string? error = null;
        try
        {
            var scopes = store.ListRollupScopes();
            foreach (var (g, retention, name) in Tiers())
            {
                var horizon = Cutoff(started, g, retention);
                // Queries switch to coarser cells before any cell goes.
                store.SetRetentionHorizon((int)g, horizon.Value, started.ToUnixTimeMilliseconds());
                horizons.Advance(g, horizon);
                long n = 0;
                foreach (int scope in scopes)
                {
                    int batch;
                    do
                    {
                        ct.ThrowIfCancellationRequested();
                        batch = store.DeleteRollupBatch(scope, (int)g, horizon.Value, options.BatchSize);
                        n += batch;
                    } while (batch == options.BatchSize);
                }
                deleted[name] = n;
                if (Array.IndexOf(FailureCells.Stored, g) >= 0) deleted[FailureCellsName(g)] = DeleteFailureCells(scopes, g, horizon, ct);
            }
            if (options.RawEvents is { } raw)
            {
                // On a whole minute, which becomes the raw events' horizon first (compliance's audit coverage reads it).
                var horizon = UtcMinute.FromDateTimeOffset(started - raw);
                store.SetRetentionHorizon(RetentionHorizons.RawEventsCode, horizon.Value, started.ToUnixTimeMilliseconds());
                horizons.AdvanceRawEvents(horizon);
                deleted["raw_events"] = DeleteAll(store.DeleteEventBatch, horizon.ToUnixMillis(), ct);
            }
            foreach (var (name, retention, deleteBatch) in Collections())
                if (retention is { } keep) deleted[name] = DeleteAll(deleteBatch, (started - keep).ToUnixTimeMilliseconds(), ct);
        }
        catch (OperationCanceledException)
        {
            error = "stopped";
        }
        catch (Exception e)
        {
            error = e.Message;
            logger.LogError(e, "retention maintenance failed");
        }
        var run = new MaintenanceRunRecord(started.ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds(), deleted, error);
        try
        {
            store.RecordMaintenanceRun(run);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "could not record the maintenance run");
        }
        if (deleted.Values.Any(v => v > 0))
            logger.LogInformation("retention: deleted {Deleted}", string.Join(", ", deleted.Where(p => p.Value > 0).Select(p => $"{p.Value} {p.Key}")));
        return run;
    }

    /// <summary>Failure cells go with the rollup cells of their granularity (queries read raw events before the horizon).</summary>
    private long DeleteFailureCells(IReadOnlyList<int> scopes, Granularity g, UtcMinute horizon, CancellationToken ct)
    {
        long n = 0;
        foreach (int scope in scopes)
        {
            if (scope <= 0) continue; // team totals and projections have no failure cells
            int batch;
            do
            {
                ct.ThrowIfCancellationRequested();
                batch = store.DeleteFailureCellBatch(scope, (int)g, horizon.Value, options.BatchSize);
                n += batch;
            } while (batch == options.BatchSize);
        }
        return n;
    }

    /// <summary>The collections beside the engine's with a time-based policy: name, retention (null keeps all), batch delete.</summary>
    private IEnumerable<(string Name, TimeSpan? Retention, Func<long, int, int> DeleteBatch)> Collections()
    {
        yield return ("alert_history", options.AlertHistory, store.DeleteResolvedAlertBatch);
        yield return ("snapshots", options.Snapshots, store.DeleteSnapshotBatch);
        yield return ("consent_changes", options.ConsentChanges, store.DeleteSupersededConsentBatch);
    }

    private long DeleteAll(Func<long, int, int> deleteBatch, long beforeMs, CancellationToken ct)
    {
        long n = 0;
        int batch;
        do
        {
            ct.ThrowIfCancellationRequested();
            batch = deleteBatch(beforeMs, options.BatchSize);
            n += batch;
        } while (batch == options.BatchSize);
        return n;
    }

    private static string FailureCellsName(Granularity g) => Granularities.Name(g) + "_failure_cells";

    public IEnumerable<(Granularity G, TimeSpan Retention, string Name)> Tiers()
    {
        yield return (Granularity.Minute, options.MinuteRollups, "minute_rollups");
        yield return (Granularity.Hour, options.HourlyRollups, "hour_rollups");
        yield return (Granularity.Day, options.DailyRollups, "day_rollups");
        yield return (Granularity.Month, options.MonthlyRollups, "month_rollups");
    }

    /// <summary>The first bucket kept: now less the retention, floored to the coarser granularity (months for month cells).</summary>
    public static UtcMinute Cutoff(DateTimeOffset now, Granularity g, TimeSpan retention)
    {
        var t = UtcMinute.FromDateTimeOffset(now - retention);
        var align = g switch
        {
            Granularity.Minute => Granularity.Hour,
            Granularity.Hour => Granularity.Day,
            _ => Granularity.Month,
        };
        return t.Floor(align);
    }

    /// <summary>Loads the persisted horizons into the query layer (at start).</summary>
    public void LoadHorizons()
    {
        foreach (var (code, horizon) in store.LoadRetentionHorizons()) horizons.AdvanceStored(code, new UtcMinute(horizon));
    }
}

/// <summary>Runs <see cref="DatabaseMaintenance.RunOnce"/> after <see cref="RetentionOptions.InitialDelay"/>, then every <see cref="RetentionOptions.Interval"/>.</summary>
public sealed class MaintenanceService(DatabaseMaintenance maintenance, RetentionOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled) return;
        try
        {
            await Task.Delay(options.InitialDelay, time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Run(() => maintenance.RunOnce(stoppingToken), stoppingToken);
                await Task.Delay(options.Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
