using System.Threading.Channels;
using Herald.Maintenance;
using Herald.Storage;

namespace Herald.Audit;

/// <summary>The <c>Herald:Audit</c> settings.</summary>
public sealed class AuditOptions
{
    /// <summary>Days an entry is kept; older ones are removed once a day. 0 keeps every entry.</summary>
    public int RetentionDays { get; set; } = 365;
}

/// <summary>
/// Appends audit entries to the store in chain order. Entries that arrive together are written in one transaction (a group
/// commit), so a burst of writes costs one commit, not one each; <see cref="RecordAsync"/> completes once its entry is stored.
/// </summary>
public sealed class AuditTrail : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IAuditStore _store;
    private readonly ILogger<AuditTrail> _logger;
    private readonly Task _appender;

    public AuditTrail(IAuditStore store, ILogger<AuditTrail> logger)
    {
        _store = store;
        _logger = logger;
        _appender = Task.Run(AppendAsync);
    }

    /// <summary>Stores the entry; completes with its sequence number once it is committed.</summary>
    public Task<long> RecordAsync(AuditEntry entry)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite(new Pending(entry, done))) done.SetException(new InvalidOperationException("the audit trail is closed"));
        return done.Task;
    }

    /// <summary>Stores the entry without waiting for it (a failure is logged).</summary>
    public void Record(AuditEntry entry) => _ = RecordAsync(entry).ContinueWith(
        t => _logger.LogError(t.Exception, "could not write an audit entry ({Action} {Type})", entry.Action, entry.ResourceType),
        CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private async Task AppendAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var entries = new List<AuditEntry>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            entries.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var p))
            {
                batch.Add(p);
                entries.Add(p.Entry);
            }
            try
            {
                var seqs = _store.AppendAudit(entries);
                for (int i = 0; i < batch.Count; i++) batch[i].Done.SetResult(seqs[i]);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Done.SetException(e);
            }
        }
    }

    /// <summary>Stops taking entries and waits until every one taken is written.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _appender;
    }

    private readonly record struct Pending(AuditEntry Entry, TaskCompletionSource<long> Done);
}

/// <summary>
/// Removes entries past <see cref="AuditOptions.RetentionDays"/> once a day (archived first with
/// <c>Herald:Retention:Archive</c>), and writes every pending entry at shutdown. Only a prefix of the chain goes, never its
/// last entry, so the kept entries stay one chain: the oldest kept entry's previous hash is the last archived entry's hash.
/// </summary>
public sealed class AuditMaintenance(AuditTrail trail, RetentionPurger purger, AuditOptions options, TimeProvider time, ILogger<AuditMaintenance> logger)
    : BackgroundService
{
    public const string Collection = "audit";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.RetentionDays <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromDays(1), time);
        try
        {
            do
            {
                try
                {
                    Purge(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "audit retention failed: nothing was removed");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Removes the entries older than the retention, and records that it did (or, when their archive could not be stored,
    /// that it removed nothing and why, then throws).
    /// </summary>
    public long Purge(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        long removed;
        try
        {
            removed = purger.Purge(PurgeCollection.Audit, Collection, (now - TimeSpan.FromDays(options.RetentionDays)).ToUnixTimeMilliseconds(), now, ct: ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            trail.Record(new AuditEntry(now.ToUnixTimeMilliseconds(), null, AuditActors.System, null, "purge", Collection, "0", 1, null));
            throw;
        }
        if (removed > 0)
        {
            trail.Record(new AuditEntry(now.ToUnixTimeMilliseconds(), null, AuditActors.System, null, "purge", Collection,
                removed.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, null));
            logger.LogInformation("audit retention removed {Removed} entries older than {Days} days", removed, options.RetentionDays);
        }
        return removed;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await trail.DisposeAsync();
    }
}
