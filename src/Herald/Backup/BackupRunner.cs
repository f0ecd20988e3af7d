using Herald.Domain;
using Herald.Hosting;

namespace Herald.Backup;

/// <summary>What one backup run did: the backup it stored (name, size, SHA-256) and the old ones retention deleted.</summary>
public sealed record BackupRunSummary(
    string Trigger, string StartedAt, string FinishedAt, double DurationMs, string Status, string Store, string? Backup, long? SizeBytes,
    string? Sha256, IReadOnlyList<string> Deleted, string? Error);

/// <summary>The backup job's state and counters since the process started.</summary>
public sealed record BackupJobState(bool Running, long Runs, long SucceededRuns, long FailedRuns, BackupRunSummary? LastRun);

/// <summary>
/// Takes a backup into the configured store and applies retention (<see cref="BackupRetention"/>), for the schedule and
/// <c>POST /api/v1/admin/backups</c> alike; runs are serialized. The backup is written aside in the data directory, put
/// into the store, then deleted locally. A run is <c>success</c>, or <c>error</c> with what failed: no key, the store
/// refused, or a retention delete failed (the new backup is then stored all the same).
/// </summary>
public sealed class BackupRunner(BackupOptions options, HeraldOptions herald, IBackupStore store, TimeProvider time, ILogger<BackupRunner> logger)
    : IDisposable
{
    public const string JobName = "scheduled-backup";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _lock = new();
    private bool _running;
    private long _runs, _succeeded, _failed;
    private BackupRunSummary? _lastRun;

    public IBackupStore Store => store;

    public BackupJobState State()
    {
        lock (_lock) return new BackupJobState(_running, _runs, _succeeded, _failed, _lastRun);
    }

    public async Task<BackupRunSummary> RunAsync(string trigger, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            lock (_lock) _running = true;
            var started = time.GetUtcNow();
            string name = BackupNames.For(started);
            string temp = Path.Combine(herald.DataDir, $".backup-{Guid.NewGuid():n}.hbk");
            BackupWritten? written = null;
            var deleted = new List<string>();
            string? error = null;
            try
            {
                string secret = BackupFile.Secret(options.KeyFile)
                    ?? throw new InvalidOperationException("no backup key: set HERALD_BACKUP_KEY or Herald:Backup:KeyFile");
                written = await Task.Run(() => BackupSnapshot.Write(herald.DatabasePath, temp, secret), ct);
                await store.PutAsync(name, temp, written.Sha256, ct);
                foreach (var old in BackupRetention.Expired(await store.ListAsync(ct), options.KeepDaily, options.KeepWeekly))
                {
                    await store.DeleteAsync(old.Name, ct);
                    deleted.Add(old.Name);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                error = e is InvalidOperationException ? e.Message : $"{Outbound.OutboundFailure.Describe(e)}: {e.Message}";
                logger.LogError(e, "backup into {Store} failed", store.Location);
            }
            finally
            {
                File.Delete(temp);
            }
            var finished = time.GetUtcNow();
            var summary = new BackupRunSummary(trigger, Timestamps.Iso(started), Timestamps.Iso(finished), Math.Round((finished - started).TotalMilliseconds, 1),
                error is null ? "success" : "error", store.Kind, written is null ? null : name, written?.SizeBytes, written?.Sha256, deleted, error);
            lock (_lock)
            {
                _runs++;
                if (error is null) _succeeded++;
                else _failed++;
                _lastRun = summary;
            }
            if (error is null)
                logger.LogInformation("backup {Name} ({Bytes} bytes) stored in {Store}; retention deleted {Deleted}", name, written!.SizeBytes, store.Location, deleted.Count);
            return summary;
        }
        finally
        {
            lock (_lock) _running = false;
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        (store as IDisposable)?.Dispose();
    }
}
