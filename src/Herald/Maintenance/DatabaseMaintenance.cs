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
/// Items, contacts, deliveries and recordings are deleted row by row (<see cref="RetentionPurger"/>); with
/// <see cref="RetentionOptions.Archive"/> every row a collection loses, rollup and failure cells included, is first written
/// to an archive in the backup store, and nothing is deleted unless that archive was stored.
/// </summary>
public sealed class DatabaseMaintenance(IMaintenanceStore store, RetentionPurger purger, RetentionHorizons horizons, RetentionOptions options,
    TimeProvider time, ILogger<DatabaseMaintenance> logger)
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
                deleted[name] = options.Archive
                    ? purger.Purge(PurgeCollections.Rollups(g), name, horizon.ToUnixMillis(), started, ct: ct)
                    : DeleteCells(scopes, store.DeleteRollupBatch, g, horizon, ct);
                if (Array.IndexOf(FailureCells.Stored, g) >= 0)
                {
                    string failures = FailureCellsName(g);
                    deleted[failures] = options.Archive
                        ? purger.Purge(PurgeCollections.FailureCells(g), failures, horizon.ToUnixMillis(), started, ct: ct)
                        : DeleteCells(scopes.Where(scope => scope > 0).ToList(), store.DeleteFailureCellBatch, g, horizon, ct); // team totals and projections have no failure cells
                }
            }
            if (options.RawEvents is { } raw)
            {
                // On a whole minute, which becomes the raw events' horizon first (compliance's audit coverage reads it).
                var horizon = UtcMinute.FromDateTimeOffset(started - raw);
                store.SetRetentionHorizon(RetentionHorizons.RawEventsCode, horizon.Value, started.ToUnixTimeMilliseconds());
                horizons.AdvanceRawEvents(horizon);
                deleted["raw_events"] = options.Archive
                    ? purger.Purge(PurgeCollection.RawEvents, "raw_events", horizon.ToUnixMillis(), started, ct: ct)
                    : DeleteAll(store.DeleteEventBatch, horizon.ToUnixMillis(), ct);
            }
            foreach (var (name, collection, retention, deleteBatch) in Collections())
            {
                if (retention is not { } keep) continue;
                long before = (started - keep).ToUnixTimeMilliseconds();
                deleted[name] = options.Archive ? purger.Purge(collection, name, before, started, ct: ct) : DeleteAll(deleteBatch, before, ct);
            }
            if (options.Items is { } items)
            {
                // The horizon moves first: from then on the writer refuses events of the items about to go.
                var horizon = UtcMinute.FromDateTimeOffset(started - items);
                store.SetRetentionHorizon(RetentionHorizons.ItemsCode, horizon.Value, started.ToUnixTimeMilliseconds());
                horizons.AdvanceItems(horizon);
                deleted["items"] = purger.Purge(PurgeCollection.Items, "items", horizon.ToUnixMillis(), started, ct: ct);
            }
            // Deliveries before contacts: a contact that is a kept delivery's customer stays.
            foreach (var (name, collection, retention) in RowCollections())
                if (retention is { } keep) deleted[name] = purger.Purge(collection, name, (started - keep).ToUnixTimeMilliseconds(), started, ct: ct);
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

    /// <summary>
    /// Without archiving, cells go a primary-key range of one scope at a time. Failure cells go with the rollup cells of their
    /// granularity (queries read raw events before the horizon).
    /// </summary>
    private long DeleteCells(IReadOnlyList<int> scopes, Func<int, int, long, int, int> deleteBatch, Granularity g, UtcMinute horizon, CancellationToken ct)
    {
        long n = 0;
        foreach (int scope in scopes)
        {
            int batch;
            do
            {
                ct.ThrowIfCancellationRequested();
                batch = deleteBatch(scope, (int)g, horizon.Value, options.BatchSize);
                n += batch;
            } while (batch == options.BatchSize);
        }
        return n;
    }

    /// <summary>The collections beside the engine's with a time-based policy: name, retention (null keeps all), batch delete.</summary>
    private IEnumerable<(string Name, PurgeCollection Collection, TimeSpan? Retention, Func<long, int, int> DeleteBatch)> Collections()
    {
        yield return ("alert_history", PurgeCollection.AlertHistory, options.AlertHistory, store.DeleteResolvedAlertBatch);
        yield return ("snapshots", PurgeCollection.Snapshots, options.Snapshots, store.DeleteSnapshotBatch);
        yield return ("consent_changes", PurgeCollection.ConsentChanges, options.ConsentChanges, store.DeleteSupersededConsentBatch);
    }

    /// <summary>The collections deleted row by row only, in the order they run.</summary>
    private IEnumerable<(string Name, PurgeCollection Collection, TimeSpan? Retention)> RowCollections()
    {
        yield return ("deliveries", PurgeCollection.Deliveries, options.Deliveries);
        yield return ("recordings", PurgeCollection.Recordings, options.Recordings);
        yield return ("contacts", PurgeCollection.Contacts, options.Contacts);
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

    /// <summary>The failure cells of a granularity, as the run and the retention report name them.</summary>
    public static string FailureCellsName(Granularity g) => Granularities.Name(g) + "_failure_cells";

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
