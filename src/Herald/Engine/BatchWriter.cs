using Herald.Domain;
using Herald.Storage;
using Herald.Storage.Encryption;

namespace Herald.Engine;

/// <summary>The events of one request, with a slot for the outcome of each.</summary>
public sealed class IngestBatch(int teamId, IncomingEvent[] events)
{
    public int TeamId { get; } = teamId;
    public IncomingEvent[] Events { get; } = events;
    public EventOutcome[] Outcomes { get; } = new EventOutcome[events.Length];
}

/// <summary>
/// The single writer. Each batch is one transaction of raw events: the ordered steps for every event are
/// resolve its item, check its status against the item's kind, append it (a stored dedupe key means a
/// duplicate and stops here), apply it to the item, and record how the item's rollup contribution moved (and, for a
/// failing event or an item whose dimensions changed, its failure cells).
/// Once the batch commits, its cell deltas and item states join <see cref="PendingRollups"/>, which
/// queries read at once. Every <see cref="WriterOptions.FlushInterval"/> the pending state is folded into
/// the stored items and rollups in one transaction that also moves the checkpoint; after a crash,
/// <see cref="Recover"/> replays the raw events past the checkpoint. The raw events are the log: an
/// accepted event is durable when its batch commits, and metrics never double count it.
/// </summary>
public sealed class BatchWriter
{
    private readonly IEngineStore _store;
    private readonly DimensionRegistry _registry;
    private readonly PendingRollups _pending;
    private readonly TimeProvider _time;
    private readonly WriterOptions _options;
    private readonly GenerationalCache<(int, string), ItemState> _items;
    private readonly ItemPresenceFilter _known;
    private readonly RollupDeltas _deltas;
    private readonly FailureCellDeltas _failures = new();
    // Reused for each item whose failures move with it to a new dimension set.
    private readonly List<FailureCandidate> _failureCandidates = new();
    // The open write transaction, where interning a new projection value must happen.
    private IWriteSession? _session;
    private readonly List<ItemState> _touched = new();
    // The batch's consent keywords (help left out), announced with its deltas.
    private readonly List<ConsentKeywordChange> _consent = new();
    private readonly List<ItemState> _dirty = new();
    private bool _knownLoaded;
    private long _lastFlushMs;
    // Numbers every pass that touches items (a batch or a recovery), so an item joins the touched list once per pass.
    private long _pass;
    // A batch failed (or its publication did) and the state in memory is not yet rebuilt from the store.
    private bool _needsRebuild;
    private readonly ILogger? _logger;
    private readonly RecipientPrivacy _recipients;

    // Item retention's horizon: events of items it closed or purged are refused (null: no item retention).
    private readonly RetentionHorizons? _horizons;

    /// <param name="recipients">How recipients are stored: as given (the default) or only as their HMAC.</param>
    public BatchWriter(IEngineStore store, DimensionRegistry registry, PendingRollups pending, TimeProvider time, WriterOptions? options = null,
        ILogger<BatchWriter>? logger = null, RetentionHorizons? horizons = null, RecipientPrivacy? recipients = null)
    {
        _logger = logger;
        _horizons = horizons;
        _recipients = recipients ?? RecipientPrivacy.Plain;
        _store = store;
        _registry = registry;
        _pending = pending;
        _time = time;
        _options = options ?? new WriterOptions();
        _options.Validate();
        _items = new(_options.ItemCacheCapacity, item => item.IsDirty);
        _known = new(_options.ItemFilterMegabytes * 1024L * 1024);
        _deltas = new RollupDeltas(id => _registry.ProjectionIdsOf(id, _session ?? throw new InvalidOperationException("no open write session")));
        _lastFlushMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public long EventsWritten { get; private set; }
    public long BatchesWritten { get; private set; }
    public long Flushes { get; private set; }
    public long ItemRowsWritten { get; private set; }
    public long CellRowsWritten { get; private set; }
    public long FailureCellRowsWritten { get; private set; }
    /// <summary>Items whose failing events were read back to move them to the item's new dimension set.</summary>
    public long FailureMoves { get; private set; }
    public long ItemLookups { get; private set; }
    public ItemFilterFill ItemFilter => new(_known.Count, _known.Bytes, _known.EstimatedFalsePositiveRate);
    public long EventsReplayed { get; private set; }
    /// <summary>Rebuilds of the writer's state after a failed batch that failed themselves (and were retried).</summary>
    public long FailedRebuilds { get; private set; }

    /// <summary>
    /// Writes the batches in one transaction. Throws only when nothing of them was stored (the requests may be answered
    /// 503); once the transaction committed, every accepted event is durable, counted in <see cref="EventsWritten"/> and
    /// visible to queries before this returns, whatever fails after the commit.
    /// </summary>
    public void Write(IReadOnlyList<IngestBatch> batches)
    {
        if (_needsRebuild) RebuildUntilDone();
        // Before anything keeps an event: from here on (store, memory, observers) only the stored form of its recipient exists.
        if (_recipients.IsHashed)
        {
            foreach (var batch in batches)
                for (int i = 0; i < batch.Events.Length; i++) batch.Events[i] = _recipients.Protect(batch.Events[i]);
        }
        _items.NextGeneration();
        _pass++;
        if (!_knownLoaded) LoadKnownItems();
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long accepted = 0;
        try
        {
            using (var session = _store.BeginWrite())
            {
                _session = session;
                session.PrepareAppends(batches);
                foreach (var batch in batches)
                {
                    for (int i = 0; i < batch.Events.Length; i++)
                    {
                        batch.Outcomes[i] = Apply(session, batch.TeamId, batch.Events[i], now);
                        if (batch.Outcomes[i].Kind == EventOutcomeKind.Accepted) accepted++;
                    }
                }
                session.Commit();
                _session = null;
            }
        }
        catch
        {
            // The transaction rolled back, but items in memory took its events: rebuild from what is stored.
            _session = null;
            DiscardBatchState();
            RebuildUntilDone();
            throw;
        }
        EventsWritten += accepted;
        BatchesWritten++;
        try
        {
            Publish();
        }
        catch (Exception e)
        {
            // Committed but not all visible (memory ran out half-way): the rebuild replays the batch from the store, so the
            // requests are answered once their events count.
            _logger?.LogError(e, "publishing a committed batch failed; rebuilding the pending state from the stored events");
            DiscardBatchState();
            RebuildUntilDone();
        }
        if (FlushDue(now)) TryFlush();
    }

    private void DiscardBatchState()
    {
        _deltas.Clear();
        _failures.Clear();
        _touched.Clear();
        _consent.Clear();
        _refs.Clear();
        _needsRebuild = true;
    }

    /// <summary>
    /// Rebuilds the in-memory state after a failed batch, retrying until it succeeds: until then neither a new batch nor a
    /// flush may run on state that counts events the store does not hold. The rebuild frees the caches and the pending
    /// state before it replays and keeps the presence filter (the failed batch's items are only false positives there),
    /// so it needs no more memory than the state it replaces.
    /// </summary>
    private void RebuildUntilDone()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Rebuild();
                break;
            }
            catch (Exception e)
            {
                FailedRebuilds++;
                _logger?.LogError(e, "rebuilding the writer's state from the store failed (attempt {Attempt}); retrying", attempt);
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(50 * attempt, 2000)));
            }
        }
        TryFlush();
    }

    private void TryFlush()
    {
        try
        {
            Flush();
        }
        catch (Exception e)
        {
            // Nothing of the pending state changed: the next flush writes it.
            _logger?.LogError(e, "flush of pending rollups failed; retrying at the next one");
        }
    }

    /// <summary>Folds pending item states and cell deltas into the store when the interval or the size limits say so.</summary>
    public void FlushIfDue()
    {
        if (_needsRebuild) RebuildUntilDone();
        if (FlushDue(_time.GetUtcNow().ToUnixTimeMilliseconds())) Flush();
    }

    private bool FlushDue(long now) =>
        _dirty.Count > 0 && (now - _lastFlushMs >= _options.FlushInterval.TotalMilliseconds
                             || _pending.CellCount >= _options.MaxPendingCells || _dirty.Count >= _options.MaxPendingItems);

    /// <summary>Writes every changed item and pending cell, and the checkpoint, in one transaction.</summary>
    public void Flush()
    {
        _lastFlushMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_dirty.Count == 0 && _pending.CellCount == 0) return;
        // The rows are written without the pending lock (only this thread changes the overlay, and readers do not see an
        // uncommitted transaction); only the commit and the overlay's clearing happen under it, at once for every reader,
        // so questions wait for a commit, not for the whole flush.
        // Each table is written in its primary key's order, so consecutive rows land on the same or the next B-tree page
        // instead of scattering over the cache: fewer page misses, and fewer distinct dirty pages for the commit to write.
        _dirty.Sort(ByItemRowId);
        using (var session = _store.BeginWrite())
        {
            foreach (var item in _dirty)
            {
                session.SaveItem(item);
                ItemRowsWritten++;
            }
            _flushCells.Clear();
            foreach (var (key, cell) in _pending.AllCells())
                if (!cell.IsEmpty) _flushCells.Add((key, cell));
            _flushCells.Sort(ByCellKey);
            foreach (var (key, cell) in _flushCells)
            {
                session.MergeCell(key, cell.Encode());
                CellRowsWritten++;
            }
            _flushCells.Clear();
            _flushFailureCells.Clear();
            foreach (var (key, failures) in _pending.FailureCells)
                if (failures != 0) _flushFailureCells.Add((key, failures));
            _flushFailureCells.Sort(ByFailureCellKey);
            foreach (var (key, failures) in _flushFailureCells)
            {
                session.MergeFailureCell(key, failures);
                FailureCellRowsWritten++;
            }
            _flushFailureCells.Clear();
            session.SetCheckpoint(session.MaxEventId());
            using (_pending.Write())
            {
                session.Commit();
                _pending.Clear();
            }
        }
        foreach (var item in _dirty)
        {
            item.IsPersisted = true;
            item.IsDirty = false;
            item.IndexedColumnsChanged = false;
        }
        _dirty.Clear();
        Flushes++;
    }

    // Reused by every flush: the pending cells in the order of the stored tables' keys.
    private readonly List<(CellKey Key, CellStats Cell)> _flushCells = new();
    private readonly List<(FailureCellKey Key, long Failures)> _flushFailureCells = new();

    private static readonly Comparison<ItemState> ByItemRowId = (a, b) => a.Id.CompareTo(b.Id);

    private static readonly Comparison<(CellKey Key, CellStats Cell)> ByCellKey = (a, b) => CompareCellKeys(a.Key, b.Key);

    private static readonly Comparison<(FailureCellKey Key, long Failures)> ByFailureCellKey = (a, b) =>
    {
        var (x, y) = (a.Key, b.Key);
        int c = CompareCellKeys(new CellKey(x.TeamId, x.Granularity, x.Bucket, x.DimensionSetId), new CellKey(y.TeamId, y.Granularity, y.Bucket, y.DimensionSetId));
        return c != 0 ? c : string.CompareOrdinal(x.ErrorCode, y.ErrorCode);
    };

    /// <summary>The order of the rollup tables' primary key (team or scope, granularity, bucket, dimension set).</summary>
    private static int CompareCellKeys(CellKey a, CellKey b)
    {
        int c = a.TeamId.CompareTo(b.TeamId);
        if (c == 0) c = ((int)a.Granularity).CompareTo((int)b.Granularity);
        if (c == 0) c = a.Bucket.Value.CompareTo(b.Bucket.Value);
        return c != 0 ? c : a.DimensionSetId.CompareTo(b.DimensionSetId);
    }

    /// <summary>
    /// Rebuilds the in-memory state from the store: drops caches and pending state, then applies again
    /// every raw event past the checkpoint (what a crash or a failed batch left unflushed), and flushes.
    /// </summary>
    public void Recover()
    {
        Rebuild();
        Flush();
    }

    private void Rebuild()
    {
        _needsRebuild = true;
        using (_pending.Write())
        {
            _pending.Discard();
        }
        _items.Clear();
        _dirty.Clear();
        _refs.Clear();
        _deltas.Clear();
        _failures.Clear();
        _registry.Load(_store);
        if (!_knownLoaded) LoadKnownItems();
        long checkpoint = _store.ReadCheckpoint();
        long replayed = 0;
        _pass++;
        using (var session = _store.BeginWrite())
        {
            _session = session;
            _store.ForEachEventAfter(checkpoint, stored =>
            {
                Replay(session, stored);
                replayed++;
                if (_deltas.Cells.Count > 50_000 || _failures.Count > 50_000) PublishDeltas();
            });
            session.Commit();
            _session = null;
        }
        Publish();
        EventsReplayed += replayed;
        _needsRebuild = false;
    }

    private EventOutcome Apply(IWriteSession session, int teamId, IncomingEvent e, long now)
    {
        var item = ResolveItem(session, teamId, e, out bool isNew, out bool purged);
        if (purged || (!isNew && IsClosed(item))) return EventOutcome.Rejected(ClosedItem);

        if (!StatusLattice.Allows(item.Kind, e.Status))
            return EventOutcome.Rejected($"status '{Statuses.Name(e.Status)}' is not a status of kind '{ItemKinds.Name(item.Kind)}'");

        var carried = new DimensionTuple(teamId, e.Kind ?? item.Kind, e.Account, e.Channel, e.Provider, e.Route, e.Campaign, e.Country, e.Direction, e.Agent, e.Template);
        int carriedId = _registry.Intern(carried, session);
        string key = e.EventId ?? EventKeys.Synthetic(item.Id, (int)e.Status, e.OccurredAtMs);
        if (!session.AppendEvent(teamId, item.Id, key, carriedId, now, e, isNew ? e.ItemId : null))
            return EventOutcome.Duplicate;
        // A keyword inbound (STOP, START, HELP, ...) is a consent change of its sender, kept with its event.
        if (e.Text is not null && e.Recipient is not null
            && ConsentKeywords.Classify(e.Text, out var keyword) is var keywordClass and not KeywordClass.Other)
        {
            int state = ConsentKeywords.Code(keywordClass);
            session.RecordConsent(teamId, e.Recipient, e.OccurredAtMs, state, keyword!);
            if (state != ConsentKeywords.HelpCode) _consent.Add(new ConsentKeywordChange(teamId, e.Recipient, e.OccurredAtMs, state));
        }

        // Every stored event of the item is applied by now, this one included.
        ApplyAccepted(session, item, e, carried, isNew, now, appliedUpToEventId: long.MaxValue);
        return EventOutcome.Accepted;
    }

    /// <summary>Applies a stored event again during recovery: no checks, no append, the item id it was given.</summary>
    private void Replay(IWriteSession session, StoredEvent s)
    {
        var tuple = _registry.Get(s.DimensionSetId);
        var e = new IncomingEvent
        {
            EventId = null,
            ItemId = s.NewItemId ?? "",
            Kind = tuple.Kind,
            Status = (Status)s.Status,
            OccurredAtMs = s.OccurredAtMs,
            Account = tuple.Account,
            Channel = tuple.Channel,
            Provider = tuple.Provider,
            Route = tuple.Route,
            Campaign = tuple.Campaign,
            Country = tuple.Country,
            Direction = tuple.Direction,
            Agent = tuple.Agent,
            Template = tuple.Template,
            Recipient = s.Recipient,
            ErrorCode = s.ErrorCode,
            Cost = s.Cost,
        };
        ItemState? item;
        bool isNew = s.NewItemId is not null;
        if (isNew)
        {
            item = new ItemState { Id = s.ItemRef, TeamId = s.TeamId, ItemId = s.NewItemId!, Kind = tuple.Kind };
        }
        else if (!_items.TryGet(ItemKeyOf(s.ItemRef, s.TeamId), out item!))
        {
            item = session.LoadItem(s.ItemRef) ?? throw new InvalidOperationException($"event {s.Id} names item {s.ItemRef}, which is neither stored nor created by an earlier event");
            item.Dimensions = _registry.Get(item.DimensionSetId);
            _items.Set((item.TeamId, item.ItemId), item);
            _refs[s.ItemRef] = item.ItemId;
        }
        if (isNew) _refs[s.ItemRef] = item.ItemId;
        ApplyAccepted(session, item, e, tuple, isNew, s.ReceivedAtMs, appliedUpToEventId: s.Id);
        if (!item.IsDirty)
        {
            // Pinned in the cache from now on: a replayed item must not be dropped and read back stale.
            item.IsDirty = true;
            _dirty.Add(item);
        }
    }

    // Item ref -> item id for items met during a replay, whose events name them only by ref.
    private readonly Dictionary<long, string> _refs = new();

    private (int, string) ItemKeyOf(long itemRef, int teamId) => (teamId, _refs.TryGetValue(itemRef, out var id) ? id : "\0" + itemRef);

    /// <param name="appliedUpToEventId">The stored events of the item up to this id are the ones applied so far (later ones, during a replay, are not yet).</param>
    private void ApplyAccepted(IWriteSession session, ItemState item, IncomingEvent e, DimensionTuple carried, bool isNew, long receivedAt, long appliedUpToEventId)
    {
        int teamId = item.TeamId;
        Contribution? before = isNew ? null : item.Contribution();
        int dimsBefore = item.DimensionSetId;
        bool recipientBefore = item.Recipient is not null;
        ApplyToItem(session, item, e, carried, isNew, receivedAt);
        RecordEventCounts(teamId, item, dimsBefore, isNew, UtcMinute.FromUnixMillis(e.OccurredAtMs));
        RecordFailures(session, item, dimsBefore, isNew, e, appliedUpToEventId);
        _deltas.Move(teamId, before, item.Contribution());
        // A recipient named by a later event changes nothing in the cells, but compliance judges items by recipient.
        if (!isNew && !recipientBefore && item.Recipient is not null) _deltas.MarkChanged(teamId, item.Contribution());

        if (isNew)
        {
            _items.Set((teamId, item.ItemId), item);
            _known.Add(teamId, item.ItemId);
        }
        if (item.LastTouchedPass != _pass)
        {
            item.LastTouchedPass = _pass;
            _touched.Add(item);
        }
    }

    private const string ClosedItem = "the item's last event was received before the item retention horizon (Herald:Retention:Items): "
        + "the item is closed or already deleted, and counting this event would count it twice";

    /// <summary>
    /// An item no event of which was received since the item horizon: item retention deletes it (or has), so its later
    /// events are refused whether or not the row is still there.
    /// </summary>
    private bool IsClosed(ItemState item) =>
        _horizons is not null && _horizons.Items.Value != long.MinValue && item.LastEventReceivedAtMs < _horizons.Items.ToUnixMillis();

    private ItemState ResolveItem(IWriteSession session, int teamId, IncomingEvent e, out bool isNew, out bool purged)
    {
        purged = false;
        if (_items.TryGet((teamId, e.ItemId), out var cached))
        {
            isNew = false;
            return cached;
        }
        ItemState? loaded = null;
        if (_known.MayContain(teamId, e.ItemId))
        {
            ItemLookups++;
            loaded = session.LoadItem(teamId, e.ItemId);
            // Only ids the store may hold reach here, and purged ids are among those the presence filter is seeded with.
            purged = loaded is null && _horizons is not null && _horizons.Items.Value != long.MinValue && session.IsPurgedItem(teamId, e.ItemId);
        }
        if (loaded is not null)
        {
            loaded.Dimensions = _registry.Get(loaded.DimensionSetId);
            _items.Set((teamId, e.ItemId), loaded);
            isNew = false;
            return loaded;
        }
        isNew = true;
        // Not cached until an event of it is accepted: a rejected or duplicate event leaves no item behind.
        return new ItemState { Id = session.AllocateItemId(), TeamId = teamId, ItemId = e.ItemId, Kind = e.Kind ?? StatusLattice.InferKind(e.Status) };
    }

    private void ApplyToItem(IWriteSession session, ItemState item, IncomingEvent e, DimensionTuple carried, bool isNew, long receivedAt)
    {
        long at = e.OccurredAtMs;
        if (isNew || StatusLattice.Supersedes(item.Kind, e.Status, at, item.Status, item.StatusAtMs))
        {
            item.Status = e.Status;
            item.StatusAtMs = at;
            item.ErrorCode = e.ErrorCode;
        }
        if (at < item.EarliestAtMs)
        {
            item.EarliestAtMs = at;
            item.IndexedColumnsChanged = true;
        }
        if (e.Status == Status.Sent && at < item.FirstSentAtMs) item.FirstSentAtMs = at;
        if (StatusLattice.IsSuccessOrBeyond(item.Kind, e.Status) && at < item.FirstSuccessAtMs) item.FirstSuccessAtMs = at;

        var dims = isNew ? carried with { Kind = item.Kind } : item.Dimensions.FillFrom(carried);
        if (isNew || dims != item.Dimensions)
        {
            item.Dimensions = dims;
            item.DimensionSetId = _registry.Intern(dims, session);
            item.IndexedColumnsChanged = true;
        }
        if (item.Recipient is null && e.Recipient is not null)
        {
            item.Recipient = e.Recipient;
            item.IndexedColumnsChanged = true;
        }
        item.Cost += e.Cost ?? 0;
        item.EventCount++;
        item.LastEventReceivedAtMs = receivedAt;
    }

    /// <summary>Counts the event in its own minute; when the item moved to another dimension set, its earlier events move with it.</summary>
    private void RecordEventCounts(int teamId, ItemState item, int dimsBefore, bool isNew, UtcMinute minute)
    {
        if (!isNew && dimsBefore != item.DimensionSetId)
        {
            for (int i = 0; i < item.Minutes.Length; i++)
            {
                _deltas.AddEvents(teamId, dimsBefore, item.Minutes.MinuteAt(i), -item.Minutes.CountAt(i), countInTotals: false);
                _deltas.AddEvents(teamId, item.DimensionSetId, item.Minutes.MinuteAt(i), item.Minutes.CountAt(i), countInTotals: false);
            }
        }
        _deltas.AddEvents(teamId, item.DimensionSetId, minute, 1);
        item.Minutes.Add(minute);
    }

    /// <summary>
    /// Counts a failing event in its failure cells. When the item moved to another dimension set, this event is counted
    /// where the item was, then every failing event of the item applied so far (this one included, read back from the
    /// stored events) moves to where it is now.
    /// </summary>
    private void RecordFailures(IWriteSession session, ItemState item, int dimsBefore, bool isNew, IncomingEvent e, long appliedUpToEventId)
    {
        bool moved = !isNew && dimsBefore != item.DimensionSetId;
        if (FailureCells.IsFailure(item.Kind, e.Status, e.ErrorCode))
            _failures.AddFailure(item.TeamId, moved ? dimsBefore : item.DimensionSetId, e.OccurredAtMs, e.ErrorCode, +1);
        if (!moved) return;
        FailureMoves++;
        session.LoadFailureCandidatesOfItem(item.Id, appliedUpToEventId, _failureCandidates);
        foreach (var f in _failureCandidates)
        {
            if (!FailureCells.IsFailure(item.Kind, f.Status, f.ErrorCode)) continue;
            _failures.AddFailure(item.TeamId, dimsBefore, f.OccurredAtMs, f.ErrorCode, -1);
            _failures.AddFailure(item.TeamId, item.DimensionSetId, f.OccurredAtMs, f.ErrorCode, +1);
        }
    }

    /// <summary>After a commit: the batch's deltas and item states become visible to queries.</summary>
    private void Publish()
    {
        using (_pending.Write())
        {
            _pending.Add(_deltas.Cells);
            _pending.AddFailures(_failures.Cells);
            _pending.AddConsent(_consent);
            foreach (var item in _touched)
            {
                _pending.Publish(item.ToRecord());
                if (!item.IsDirty)
                {
                    item.IsDirty = true;
                    _dirty.Add(item);
                }
            }
        }
        _deltas.Clear();
        _failures.Clear();
        _touched.Clear();
        _consent.Clear();
        _refs.Clear();
    }

    private void PublishDeltas()
    {
        using (_pending.Write())
        {
            _pending.Add(_deltas.Cells);
            _pending.AddFailures(_failures.Cells);
        }
        _deltas.Clear();
        _failures.Clear();
    }

    private void LoadKnownItems()
    {
        // Until it holds every stored item, the filter must not be trusted (a false "certainly new" would create an item twice).
        _knownLoaded = false;
        _known.Clear();
        _store.ForEachItemKey(_known.Add);
        foreach (var item in _dirty) _known.Add(item.TeamId, item.ItemId);
        _knownLoaded = true;
    }
}

public sealed class WriterOptions
{
    /// <summary>How often pending item states and rollup deltas are folded into the store.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
    public int MaxPendingCells { get; set; } = 200_000;
    public int MaxPendingItems { get; set; } = 100_000;
    /// <summary>Items kept in memory for their next event; a miss costs one indexed read.</summary>
    public int ItemCacheCapacity { get; set; } = 50_000;
    /// <summary>The presence filter's fixed size (<see cref="ItemPresenceFilter"/>): 32 MB serve about 27 M stored items at 1 %.</summary>
    public int ItemFilterMegabytes { get; set; } = 32;

    public void Validate()
    {
        if (ItemFilterMegabytes is < 1 or > 65_536)
            throw new InvalidOperationException($"Herald:Writer:ItemFilterMegabytes ({ItemFilterMegabytes}) must be from 1 to 65536");
    }
}

/// <summary>The presence filter's fill: items added, its fixed size, its estimated false positive rate.</summary>
public readonly record struct ItemFilterFill(long Items, long Bytes, double FalsePositiveRate);
