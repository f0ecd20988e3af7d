using Herald.Snapshots;

namespace Herald.Jobs;

/// <summary>What one run of a job did.</summary>
public sealed record JobRunSummary(
    string Job, string Trigger, string StartedAt, string FinishedAt, double DurationMs, string Status,
    string FirstPeriod, string LastPeriod, int Periods, int TeamsSucceeded, int TeamsFailed, int SnapshotsWritten, string? Error,
    IReadOnlyList<JobTeamFailure> Failures);

public sealed record JobTeamFailure(string Period, int TeamId, string Team, string Error);

/// <summary>A job's state and counters since the process started.</summary>
public sealed record JobState(
    JobDefinition Job, bool Running, long Runs, long SucceededRuns, long FailedRuns, long TeamSuccesses, long TeamErrors,
    long SnapshotsWritten, JobRunSummary? LastRun);

/// <summary>
/// Runs snapshot jobs over one period or a range (a backfill), for the scheduler, the manual trigger and the CLI alike, and
/// keeps each job's last run and success/error counters. Runs of one job are serialized; different jobs may overlap.
/// A run's status is <c>success</c> (every team of every period), <c>partial</c> (some teams failed), or <c>error</c>
/// (every team failed, or the run itself threw).
/// </summary>
public sealed class JobRunner(SnapshotService snapshots, TimeProvider time, ILogger<JobRunner> logger)
{
    /// <summary>At most this many team failures are kept in a run summary (all are counted and logged).</summary>
    public const int MaxListedFailures = 20;

    private readonly Dictionary<string, Entry> _entries = JobCatalog.All.ToDictionary(j => j.Name, j => new Entry(j));

    public IReadOnlyList<JobState> States()
    {
        var list = new List<JobState>();
        foreach (var job in JobCatalog.All)
        {
            var e = _entries[job.Name];
            lock (e) list.Add(new JobState(job, e.Running, e.Runs, e.SucceededRuns, e.FailedRuns, e.TeamSuccesses, e.TeamErrors, e.Snapshots, e.LastRun));
        }
        return list;
    }

    public async Task<JobRunSummary> RunAsync(
        JobDefinition job, IReadOnlyList<SnapshotPeriod> periods, string trigger, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        if (periods.Count == 0) throw new ArgumentException("no period to run", nameof(periods));
        var entry = _entries[job.Name];
        await entry.Gate.WaitAsync(ct);
        try
        {
            lock (entry) entry.Running = true;
            var started = time.GetUtcNow();
            int ok = 0, failed = 0, written = 0;
            var failures = new List<JobTeamFailure>();
            string? error = null;
            try
            {
                await Task.Run(() =>
                {
                    for (int i = 0; i < periods.Count; i++)
                    {
                        var r = snapshots.Generate(periods[i], ct);
                        ok += r.TeamsSucceeded;
                        failed += r.TeamsFailed;
                        written += r.SnapshotsWritten;
                        foreach (var f in r.Failures)
                            if (failures.Count < MaxListedFailures) failures.Add(new JobTeamFailure(r.Period.DateText, f.TeamId, f.TeamName, f.Error));
                        progress?.Report(i + 1);
                    }
                }, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                error = e.Message;
                logger.LogError(e, "job {Job} failed", job.Name);
            }
            var finished = time.GetUtcNow();
            string status = error is not null || (failed > 0 && ok == 0) ? "error" : failed > 0 ? "partial" : "success";
            var summary = new JobRunSummary(job.Name, trigger, Format(started), Format(finished), Math.Round((finished - started).TotalMilliseconds, 1), status,
                periods[0].DateText, periods[^1].DateText, periods.Count, ok, failed, written, error, failures);
            lock (entry)
            {
                entry.Runs++;
                if (status == "success") entry.SucceededRuns++;
                else entry.FailedRuns++;
                entry.TeamSuccesses += ok;
                entry.TeamErrors += failed;
                entry.Snapshots += written;
                entry.LastRun = summary;
                entry.Running = false;
            }
            logger.Log(status == "success" ? LogLevel.Information : LogLevel.Warning,
                "job {Job} ({Trigger}) {Status}: {Periods} periods from {First}, {Ok} team runs ok, {Failed} failed, {Written} snapshots, {Ms} ms",
                job.Name, trigger, status, periods.Count, summary.FirstPeriod, ok, failed, written, summary.DurationMs);
            return summary;
        }
        finally
        {
            lock (entry) entry.Running = false;
            entry.Gate.Release();
        }
    }

    private static string Format(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One per registered job, for the process's lifetime.")]
    private sealed class Entry(JobDefinition job)
    {
        public readonly JobDefinition Job = job;
        public readonly SemaphoreSlim Gate = new(1, 1);
        public bool Running;
        public long Runs, SucceededRuns, FailedRuns, TeamSuccesses, TeamErrors, Snapshots;
        public JobRunSummary? LastRun;
    }
}
