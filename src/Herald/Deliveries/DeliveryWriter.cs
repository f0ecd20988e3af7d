using System.Threading.Channels;
using Herald.Audit;
using Herald.Engine;
using Herald.Storage;

namespace Herald.Deliveries;

/// <summary>What a command running inside the delivery writer's transaction can ask for.</summary>
public sealed class DeliveryWriteContext
{
    private long _lastCreatedAtMs;
    internal readonly List<TrackedEvent> Events = new();
    internal readonly List<AgentAssignment> Assignments = new();

    internal DeliveryWriteContext(long lastCreatedAtMs) => _lastCreatedAtMs = lastCreatedAtMs;

    public long NowMs { get; internal set; }

    /// <summary>The creation time of a new delivery: now, but never before the last one's, so ids and creation times agree.</summary>
    public long NextCreatedAtMs() => _lastCreatedAtMs = Math.Max(_lastCreatedAtMs, NowMs);

    /// <summary>A tracking event the command appended: its engine event goes out once the transaction commits.</summary>
    public void Emit(TrackedEvent e) => Events.Add(e);

    /// <summary>An agent the command gave a delivery: its push message is queued once the transaction commits.</summary>
    public void Assigned(AgentAssignment assignment) => Assignments.Add(assignment);
}

/// <summary>
/// The single writer of deliveries. Requests queue their commands; the writer runs whatever is waiting in one transaction,
/// each command inside a savepoint (a refused command leaves nothing behind), commits, then submits the tracking events the
/// commands appended to the engine's ingest queue, and answers each request once its engine events are durable too.
/// <para>
/// Durability: the delivery rows commit first and the engine events after, in two stores' transactions that cannot be one.
/// The tracking rows are the outbox between them: every tracking event is stored with the delivery change that made it, and
/// its engine event carries the tracking row's id as its event id. The writer keeps the rows whose engine events are not yet
/// durable "in flight"; everything below the lowest of them is known to be in the engine, and that mark is stored
/// (<c>synced_through</c>) with each group. A crash between the two commits leaves rows past the mark; at the next start,
/// <see cref="ReconcileAsync"/> submits those rows again before any request is served, and the engine keeps the ones it
/// lacks and drops the rest as duplicates by event id. So after a start the delivery rows and the engine agree, and a 2xx
/// is only answered when both are durable. The reverse (an engine event without its delivery row) cannot happen: engine
/// events are only made from committed rows.
/// </para>
/// </summary>
public sealed class DeliveryWriter : IAsyncDisposable
{
    private readonly Channel<DeliveryCommand> _channel = Channel.CreateUnbounded<DeliveryCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IDeliveryStore _store;
    private readonly IngestQueue _queue;
    private readonly AgentPushQueue _pushes;
    private readonly TimeProvider _time;
    private readonly DeliveryOptions _options;
    private readonly ILogger<DeliveryWriter> _logger;
    private readonly EngineOutbox _outbox = new();
    private readonly List<Task> _finishing = new();
    private readonly Lock _finishingLock = new();
    // Engine events whose write failed: submitted again with the next group.
    private readonly List<TrackedEvent> _retry = new();
    private readonly Lock _retryLock = new();
    private DeliveryWriteContext _context = new(0);
    private Task? _loop;
    private long _persistedMark;

    public DeliveryWriter(IDeliveryStore store, IngestQueue queue, AgentPushQueue pushes, TimeProvider time, DeliveryOptions options, ILogger<DeliveryWriter> logger)
    {
        _store = store;
        _queue = queue;
        _pushes = pushes;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>Engine events found missing and submitted again by the last <see cref="ReconcileAsync"/>.</summary>
    public long Reconciled { get; private set; }

    /// <summary>
    /// Submits every tracking event past the stored mark to the engine again (the ones it has come back as duplicates),
    /// then starts taking commands. Runs once, before the first request.
    /// </summary>
    public async Task ReconcileAsync()
    {
        long mark = _store.EngineSyncedThrough();
        long accepted = 0, resubmitted = 0;
        while (true)
        {
            var events = _store.TrackedEventsAfter(mark, 2000);
            if (events.Count == 0) break;
            foreach (var group in events.GroupBy(e => e.TeamId))
            {
                var batch = new IngestBatch(group.Key, group.Select(DeliveryEngineEvents.ToEvent).ToArray());
                var tally = await SubmitAsync(batch);
                accepted += tally.Accepted;
                foreach (var (index, error) in tally.Rejected)
                    _logger.LogError("the engine refused delivery tracking event {EventId}: {Error}", batch.Events[index].EventId, error);
            }
            resubmitted += events.Count;
            mark = events[^1].TrackingId;
            _store.SetEngineSyncedThrough(mark);
        }
        Reconciled = accepted;
        if (resubmitted > 0)
            _logger.LogWarning("delivery tracking: {Accepted} of {Resubmitted} events past the engine-sync mark were missing from the engine and are now in it",
                accepted, resubmitted);
        _persistedMark = mark;
        _outbox.Start(mark);
        _context = new DeliveryWriteContext(_store.LastDeliveryCreatedAtMs());
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>
    /// Runs a command in the writer's next transaction. The command's changes are kept when its outcome is ok and undone
    /// otherwise; the answer comes once they and their engine events are durable. With <paramref name="audit"/>, the
    /// request's audit entry (its outcome: 200, or 201 naming <paramref name="createdId"/> of a create; else 400, 404 or 409)
    /// is stored in the same transaction, and marked stored once it commits.
    /// </summary>
    public Task<Outcome<T>> ExecuteAsync<T>(Func<IDeliveryWriteSession, DeliveryWriteContext, Outcome<T>> body, AuditClaim? audit = null,
        Func<T, string>? createdId = null) where T : class
    {
        if (_loop is null) throw new InvalidOperationException("the delivery writer has not started");
        var command = new DeliveryCommand<T>(body, audit, createdId);
        if (!_channel.Writer.TryWrite(command)) throw new DeliveryUnavailableException("the server is stopping; nothing changed, retry");
        return command.Completion.Task;
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var group = new List<DeliveryCommand>();
        var idle = new IdleWait(TimeSpan.FromSeconds(1));
        Action storeMark = () => WriteGroup(group);
        // While idle, the engine-sync mark still reaches the store.
        while (await idle.WaitToReadAsync(reader, storeMark).ConfigureAwait(false))
        {
            while (group.Count < _options.MaxCommandsPerTransaction && reader.TryRead(out var command)) group.Add(command);
            WriteGroup(group);
            group.Clear();
        }
        Task[] finishing;
        lock (_finishingLock) finishing = _finishing.ToArray();
        await Task.WhenAll(finishing).ConfigureAwait(false);
        PersistMark();
    }

    /// <summary>One transaction: the group's commands, the engine-sync mark, then the engine events of the kept commands.</summary>
    private void WriteGroup(List<DeliveryCommand> group)
    {
        List<TrackedEvent> retry;
        lock (_retryLock)
        {
            retry = [.. _retry];
            _retry.Clear();
        }
        long mark = _outbox.Mark;
        if (group.Count == 0 && retry.Count == 0 && mark <= _persistedMark) return;
        var kept = new List<DeliveryCommand>(group.Count);
        var refused = new List<DeliveryCommand>();
        var audited = new List<DeliveryCommand>();
        var auditEntries = new List<AuditEntry>();
        var events = new List<TrackedEvent>();
        var assignments = new List<AgentAssignment>();
        try
        {
            using var session = _store.BeginDeliveryWrite();
            if (mark > _persistedMark) session.SetEngineSyncedThrough(mark);
            foreach (var command in group)
            {
                _context.NowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                _context.Events.Clear();
                _context.Assignments.Clear();
                session.Savepoint();
                bool keep;
                try
                {
                    keep = command.Run(session, _context);
                }
                catch (Exception e)
                {
                    session.RollbackToSavepoint();
                    command.Fault(e);
                    continue;
                }
                if (keep)
                {
                    session.ReleaseSavepoint();
                    events.AddRange(_context.Events);
                    assignments.AddRange(_context.Assignments);
                    kept.Add(command);
                }
                else
                {
                    session.RollbackToSavepoint();
                    refused.Add(command);
                }
                if (command.AuditEntryOf(_context.NowMs) is { } entry)
                {
                    audited.Add(command);
                    auditEntries.Add(entry);
                }
            }
            if (auditEntries.Count > 0) session.AppendAudit(auditEntries);
            _outbox.Register(events);
            try
            {
                session.Commit();
            }
            catch
            {
                _outbox.Forget(events);
                throw;
            }
            _persistedMark = Math.Max(_persistedMark, mark);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "a delivery write of {Commands} commands failed; they get 503", group.Count);
            // Every command not refused gets the 503, those the failure cut short too (one already faulted keeps its fault). A
            // refusal changed nothing and stays true; its audit entry was not stored, so the request's middleware records it.
            foreach (var command in group)
            {
                if (refused.Contains(command)) command.Complete();
                else command.Fault(new DeliveryUnavailableException("the change could not be stored; nothing changed, retry", e));
            }
            lock (_retryLock) _retry.InsertRange(0, retry);
            return;
        }
        foreach (var command in audited) command.Audit!.MarkStored();
        foreach (var command in refused) command.Complete();
        Submit([.. retry, .. events], kept);
        foreach (var assignment in assignments) _pushes.Enqueue(assignment);
    }

    /// <summary>Hands the events to the engine in commit order, and answers the commands once their events are durable.</summary>
    private void Submit(List<TrackedEvent> events, List<DeliveryCommand> commands)
    {
        var batches = new List<(IngestBatch Batch, List<TrackedEvent> Events, Task Done)>();
        foreach (var team in events.GroupBy(e => e.TeamId))
        {
            var list = team.ToList();
            var batch = new IngestBatch(team.Key, list.Select(DeliveryEngineEvents.ToEvent).ToArray());
            // A full queue is momentary back-pressure: wait for room rather than drop an event already promised.
            Task? done;
            for (int wait = 1; (done = _queue.TryEnqueue(batch)) is null; wait = Math.Min(wait * 2, 200)) Thread.Sleep(wait);
            batches.Add((batch, list, done));
        }
        var finishing = FinishAsync(batches, commands);
        lock (_finishingLock)
        {
            _finishing.RemoveAll(t => t.IsCompleted);
            _finishing.Add(finishing);
        }
    }

    private async Task FinishAsync(List<(IngestBatch Batch, List<TrackedEvent> Events, Task Done)> batches, List<DeliveryCommand> commands)
    {
        Exception? failure = null;
        foreach (var (batch, events, done) in batches)
        {
            try
            {
                await done.ConfigureAwait(false);
                for (int i = 0; i < batch.Outcomes.Length; i++)
                    if (batch.Outcomes[i].Kind == EventOutcomeKind.Rejected)
                        _logger.LogError("the engine refused delivery tracking event {EventId}: {Error}", batch.Events[i].EventId, batch.Outcomes[i].Error);
                _outbox.Confirm(events);
            }
            catch (Exception e)
            {
                failure = e;
                lock (_retryLock) _retry.AddRange(events);
            }
        }
        foreach (var command in commands)
        {
            if (failure is null) command.Complete();
            else command.Fault(new DeliveryUnavailableException("the change is stored but its engine events could not be written yet; they are retried", failure));
        }
    }

    private async Task<IngestTally> SubmitAsync(IngestBatch batch)
    {
        for (int wait = 10; ; wait = Math.Min(wait * 2, 500))
        {
            if (await _queue.SubmitAsync(batch) is { } tally) return tally;
            await Task.Delay(wait);
        }
    }

    private void PersistMark()
    {
        long mark = _outbox.Mark;
        if (mark <= _persistedMark) return;
        try
        {
            _store.SetEngineSyncedThrough(mark);
            _persistedMark = mark;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "the engine-sync mark could not be stored; the next start submits a few tracking events again");
        }
    }

    /// <summary>Stops taking commands and waits until every queued one is answered.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        if (_loop is not null) await _loop.ConfigureAwait(false);
    }

    /// <summary>The tracking rows committed whose engine events are not yet known durable, and the mark below them.</summary>
    private sealed class EngineOutbox
    {
        private readonly Lock _lock = new();
        private readonly SortedSet<long> _inFlight = new();
        private long _highest;

        public void Start(long mark)
        {
            lock (_lock) _highest = mark;
        }

        /// <summary>Every tracking row up to this id has its engine event durable.</summary>
        public long Mark
        {
            get
            {
                lock (_lock) return _inFlight.Count > 0 ? _inFlight.Min - 1 : _highest;
            }
        }

        // Called before the commit, so that no reading of the mark can pass rows that are committed but not yet in the engine.
        public void Register(List<TrackedEvent> events)
        {
            lock (_lock)
            {
                foreach (var e in events)
                {
                    _inFlight.Add(e.TrackingId);
                    _highest = Math.Max(_highest, e.TrackingId);
                }
            }
        }

        public void Forget(List<TrackedEvent> events)
        {
            lock (_lock)
                foreach (var e in events) _inFlight.Remove(e.TrackingId);
        }

        public void Confirm(List<TrackedEvent> events) => Forget(events);
    }
}

/// <summary>A queued change: runs inside the writer's transaction, answered when durable.</summary>
public abstract class DeliveryCommand(AuditClaim? audit)
{
    /// <summary>The request's audit entry, stored in the writer's transaction; null when none was taken over.</summary>
    public AuditClaim? Audit { get; } = audit;

    /// <summary>Runs the command; true when its changes are to be kept.</summary>
    public abstract bool Run(IDeliveryWriteSession session, DeliveryWriteContext context);

    /// <summary>The audit entry of the outcome <see cref="Run"/> came to; null without <see cref="Audit"/>.</summary>
    public abstract AuditEntry? AuditEntryOf(long atMs);

    public abstract void Complete();
    public abstract void Fault(Exception e);
}

public sealed class DeliveryCommand<T>(Func<IDeliveryWriteSession, DeliveryWriteContext, Outcome<T>> body, AuditClaim? audit = null,
    Func<T, string>? createdId = null) : DeliveryCommand(audit) where T : class
{
    private Outcome<T>? _outcome;

    public TaskCompletionSource<Outcome<T>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool Run(IDeliveryWriteSession session, DeliveryWriteContext context)
    {
        _outcome = body(session, context);
        return _outcome.IsOk;
    }

    // The statuses Answers gives these outcomes.
    public override AuditEntry? AuditEntryOf(long atMs)
    {
        if (Audit is null || _outcome is null) return null;
        int status = _outcome.Refusal switch
        {
            Refusal.None => createdId is null ? StatusCodes.Status200OK : StatusCodes.Status201Created,
            Refusal.Invalid => StatusCodes.Status400BadRequest,
            Refusal.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status409Conflict,
        };
        return Audit.Completed(atMs, status, _outcome.Value is { } value && createdId is not null ? createdId(value) : null);
    }

    public override void Complete() => Completion.TrySetResult(_outcome!);

    public override void Fault(Exception e) => Completion.TrySetException(e);
}

/// <summary>A delivery change could not be made durable; answered 503 with the message.</summary>
public sealed class DeliveryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
