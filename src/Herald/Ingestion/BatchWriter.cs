using Herald.Analytics;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Ingestion;

/// <summary>The events of one request, with a slot for the outcome of each.</summary>
public sealed class IngestBatch(int teamId, IncomingEvent[] events)
{
    public int TeamId { get; } = teamId;
    public IncomingEvent[] Events { get; } = events;
    public EventOutcome[] Outcomes { get; } = new EventOutcome[events.Length];
}

/// <summary>
/// Writes batches of events in one transaction each: raw events, item state and rollup cells together.
/// The ordered steps for every event: resolve its item, check its status against the item's kind, append
/// it (a stored dedupe key means a duplicate and stops here), apply it to the item, and record how the
/// item's rollup contribution moved. Then per batch: save touched items, merge cell deltas, commit.
/// Single-threaded by design: exactly one writer owns the caches.
/// </summary>
public sealed class BatchWriter
{
    private readonly IEngineStore _store;
    private readonly DimensionRegistry _registry;
    private readonly TimeProvider _time;
    private readonly GenerationalCache<(int, string), ItemState> _items;
    private readonly ItemPresenceFilter _known = new();
    private bool _knownLoaded;
    private readonly RollupDeltas _deltas = new();
    private readonly List<ItemState> _touched = new();

    public BatchWriter(IEngineStore store, DimensionRegistry registry, TimeProvider time, int itemCacheCapacity = 200_000)
    {
        _store = store;
        _registry = registry;
        _time = time;
        _items = new(itemCacheCapacity);
    }

    public long EventsWritten { get; private set; }
    public long BatchesWritten { get; private set; }

    public void Write(IReadOnlyList<IngestBatch> batches)
    {
        _items.NextGeneration();
        if (!_knownLoaded || _known.IsFull) LoadKnownItems();
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long accepted = 0;
        try
        {
            using var session = _store.BeginWrite();
            foreach (var batch in batches)
            {
                for (int i = 0; i < batch.Events.Length; i++)
                {
                    batch.Outcomes[i] = Apply(session, batch.TeamId, batch.Events[i], now);
                    if (batch.Outcomes[i].Kind == EventOutcomeKind.Accepted) accepted++;
                }
            }
            SaveTouchedItems(session);
            MergeCells(session);
            session.Commit();
            EventsWritten += accepted;
            BatchesWritten++;
        }
        catch
        {
            // The transaction rolled back: the caches may hold state that never reached the store.
            _items.Clear();
            _knownLoaded = false;
            _registry.Load(_store);
            throw;
        }
        finally
        {
            _deltas.Clear();
            _touched.Clear();
        }
    }

    private EventOutcome Apply(IWriteSession session, int teamId, IncomingEvent e, long now)
    {
        var item = ResolveItem(session, teamId, e, out bool isNew);

        if (!StatusLattice.Allows(item.Kind, e.Status))
            return EventOutcome.Rejected($"status '{Statuses.Name(e.Status)}' is not a status of kind '{ItemKinds.Name(item.Kind)}'");

        var carried = new DimensionTuple(teamId, e.Kind ?? item.Kind, e.Account, e.Channel, e.Provider, e.Route, e.Campaign, e.Country, e.Direction);
        int carriedId = _registry.Intern(carried, session);
        string key = e.EventId ?? EventKeys.Synthetic(item.Id, (int)e.Status, e.OccurredAtMs);
        if (!session.AppendEvent(teamId, item.Id, key, carriedId, now, e))
            return EventOutcome.Duplicate;

        Contribution? before = isNew ? null : item.Contribution();
        int dimsBefore = item.DimensionSetId;
        ApplyToItem(session, item, e, carried, isNew, now);
        RecordEventCounts(teamId, item, dimsBefore, isNew, UtcMinute.FromUnixMillis(e.OccurredAtMs));
        _deltas.Move(teamId, before, item.Contribution());

        if (isNew)
        {
            _items.Set((teamId, e.ItemId), item);
            _known.Add(teamId, e.ItemId);
        }
        if (item.LastTouchedBatch != BatchesWritten + 1)
        {
            item.LastTouchedBatch = BatchesWritten + 1;
            _touched.Add(item);
        }
        return EventOutcome.Accepted;
    }

    private ItemState ResolveItem(IWriteSession session, int teamId, IncomingEvent e, out bool isNew)
    {
        if (_items.TryGet((teamId, e.ItemId), out var cached))
        {
            isNew = false;
            return cached;
        }
        var loaded = _known.MayContain(teamId, e.ItemId) ? session.LoadItem(teamId, e.ItemId) : null;
        if (loaded is not null)
        {
            _items.Set((teamId, e.ItemId), loaded);
            isNew = false;
            return loaded;
        }
        isNew = true;
        // Not cached until an event of it is accepted: a rejected or duplicate event leaves no item behind.
        return new ItemState { Id = session.AllocateItemId(), TeamId = teamId, ItemId = e.ItemId, Kind = e.Kind ?? ItemKind.Message };
    }

    private void ApplyToItem(IWriteSession session, ItemState item, IncomingEvent e, DimensionTuple carried, bool isNew, long now)
    {
        long at = e.OccurredAtMs;
        if (isNew || StatusLattice.Supersedes(item.Kind, e.Status, at, item.Status, item.StatusAtMs))
        {
            item.Status = e.Status;
            item.StatusAtMs = at;
        }
        if (at < item.EarliestAtMs) item.EarliestAtMs = at;
        if (e.Status == Status.Sent && at < item.FirstSentAtMs) item.FirstSentAtMs = at;
        if (StatusLattice.IsSuccessOrBeyond(item.Kind, e.Status) && at < item.FirstSuccessAtMs) item.FirstSuccessAtMs = at;

        var dims = isNew ? carried with { Kind = item.Kind } : item.Dimensions.FillFrom(carried);
        if (isNew || dims != item.Dimensions)
        {
            item.Dimensions = dims;
            item.DimensionSetId = _registry.Intern(dims, session);
        }
        item.Recipient ??= e.Recipient;
        item.Cost += e.Cost ?? 0;
        item.EventCount++;
        item.LastEventReceivedAtMs = now;
    }

    /// <summary>Counts the event in its own minute; when the item moved to another dimension set, its earlier events move with it.</summary>
    private void RecordEventCounts(int teamId, ItemState item, int dimsBefore, bool isNew, UtcMinute minute)
    {
        if (!isNew && dimsBefore != item.DimensionSetId)
        {
            for (int i = 0; i < item.Minutes.Length; i++)
            {
                _deltas.AddEvents(teamId, dimsBefore, item.Minutes.MinuteAt(i), -item.Minutes.CountAt(i));
                _deltas.AddEvents(teamId, item.DimensionSetId, item.Minutes.MinuteAt(i), item.Minutes.CountAt(i));
            }
        }
        _deltas.AddEvents(teamId, item.DimensionSetId, minute, 1);
        item.Minutes.Add(minute);
    }

    private void SaveTouchedItems(IWriteSession session)
    {
        foreach (var item in _touched)
        {
            session.SaveItem(item);
            item.IsPersisted = true;
        }
    }

    /// <summary>Each touched cell gets its batch delta once; the store folds it into what it holds.</summary>
    private void MergeCells(IWriteSession session)
    {
        foreach (var (key, delta) in _deltas.Cells)
            if (!delta.IsEmpty) session.MergeCell(key, delta.Encode());
    }

    private void LoadKnownItems()
    {
        long count = 0;
        _store.ForEachItemKey((_, _) => count++);
        _known.Reset(count + _items.Count);
        _store.ForEachItemKey(_known.Add);
        _knownLoaded = true;
    }
}
