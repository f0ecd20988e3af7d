using Herald.Storage;

namespace Herald.Monitoring;

/// <summary>The <c>Herald:History</c> section.</summary>
public sealed class ServerHistoryOptions
{
    /// <summary>How often the running server notes it is alive and samples the database's size.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Herald's memory of itself: each run of the server (its start, then a heartbeat every
/// <see cref="ServerHistoryOptions.HeartbeatInterval"/> and at a graceful stop), and the database's size once per UTC day
/// (sampled with every heartbeat, the day's latest kept). Uptime over a period is the share of it covered by runs, counted
/// from the first run ever recorded (before it Herald was not installed, not down); a run that was killed counts up to its
/// last heartbeat, so a crash costs at most one interval more than it lasted.
/// </summary>
public sealed class ServerHistory(IServerHistoryStore store, IStoreProbe files, ServerHistoryOptions options, TimeProvider time,
    ILogger<ServerHistory> logger) : BackgroundService
{
    public const long DayMs = 86_400_000L;
    private long _runId = -1;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        _runId = store.StartServerRun(now);
        SampleSize(now);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Beat();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Beat();
    }

    private void Beat()
    {
        try
        {
            long now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (_runId >= 0) store.SeeServerRun(_runId, now);
            SampleSize(now);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "could not record the server's heartbeat");
        }
    }

    private void SampleSize(long nowMs) => store.RecordDatabaseSize(nowMs / DayMs, files.FileSizes().Database, nowMs);

    /// <summary>
    /// The percentage of [from, to) (cut to the first recorded run and to now) during which a run was alive; null when
    /// nothing of the period is left after the cut.
    /// </summary>
    public double? UptimePercent(long fromMs, long toMs)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long start = Math.Max(fromMs, store.FirstServerRunAt() ?? long.MaxValue), end = Math.Min(toMs, now);
        if (end <= start) return null;
        long covered = 0, reached = start;
        foreach (var run in store.ServerRunsBetween(start, end))
        {
            // The current run is alive now, whatever its last heartbeat says.
            long seen = run.Id == _runId ? now : run.LastSeenAtMs;
            long from = Math.Max(run.StartedAtMs, reached), to = Math.Min(seen, end);
            if (to <= from) continue;
            covered += to - from;
            reached = to;
        }
        return Math.Round(covered * 100.0 / (end - start), 2);
    }
}
