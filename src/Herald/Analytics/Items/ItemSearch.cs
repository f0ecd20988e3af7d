using Herald.Domain;
using Herald.Engine;
using Herald.Storage;

namespace Herald.Analytics.Items;

/// <summary>
/// Which items to list: of these teams, whose earliest event falls in [<see cref="FromMs"/>, <see cref="ToMs"/>) and that
/// match the dimension filter and each set that is given (a null set matches everything): current status, recipient, and
/// the error code the current status came with.
/// </summary>
public sealed record ItemQuery(
    IReadOnlyList<int> Teams,
    long FromMs,
    long ToMs,
    MetricFilter Filter,
    IReadOnlySet<Status>? Statuses = null,
    IReadOnlySet<string>? Recipients = null,
    IReadOnlySet<string>? ErrorCodes = null);

/// <summary>One page of a search and the position to read on from (null when nothing is left).</summary>
public sealed record ItemPage(IReadOnlyList<ItemRecord> Items, ItemPosition? Next);

/// <summary>
/// Lists items newest first (by earliest event, then item ref) as they are now: the stored rows and, over them, the
/// writer's unflushed item states, read at one point (the overlay is copied and the store's snapshot pinned under the
/// overlay's read lock, then the store is read without it, so a long export never holds up the writer). A page ends at a
/// position; the next page starts after it, so items created meanwhile never shift what is left to read, and paging
/// through a search yields every item that matched before the first page once (unless it stops matching meanwhile: a
/// new status, or a late event that moves its earliest event).
/// </summary>
public sealed class ItemSearch(IItemSearchReader reader, PendingRollups pending, DimensionRegistry registry)
{
    public ItemPage Page(ItemQuery query, ItemPosition? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        using var reading = Read(query, after);
        var items = new List<ItemRecord>(Math.Min(limit + 1, 1024));
        foreach (var item in reading)
        {
            if (items.Count == limit) return new ItemPage(items, ItemPosition.Of(items[^1]));
            items.Add(item);
        }
        return new ItemPage(items, null);
    }

    /// <summary>Every matching item after <paramref name="after"/>, read as enumerated; dispose it to release the store's snapshot.</summary>
    public ItemReading Read(ItemQuery query, ItemPosition? after = null)
    {
        var (snapshot, overlay, stored) = Pin(query, after);
        try
        {
            var sources = new List<IEnumerable<ItemRecord>> { overlay.Items };
            foreach (var (team, filter) in TeamFilters(query, overlay, stored))
                sources.Add(snapshot.Items(team, filter).Where(r => !overlay.Superseded.Contains(r.Id)));
            return new ItemReading([snapshot], sources);
        }
        catch
        {
            snapshot.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Every matching item, as <see cref="Read"/> lists them, through a cursor that reads each stored row in place (for an
    /// export that writes each row's bytes as it reads it); dispose it to release the store's snapshot.
    /// </summary>
    public ItemFieldCursor OpenCursor(ItemQuery query)
    {
        var (snapshot, overlay, stored) = Pin(query, null);
        var cursors = new List<IStoredItemCursor>();
        try
        {
            foreach (var (team, filter) in TeamFilters(query, overlay, stored)) cursors.Add(snapshot.Cursor(team, filter));
            return new ItemFieldCursor(overlay.Items, [.. cursors], overlay.Superseded, snapshot);
        }
        catch
        {
            foreach (var c in cursors) c.Dispose();
            snapshot.Dispose();
            throw;
        }
    }

    /// <summary>The store's snapshot pinned and the overlay copied at one point (under the overlay's read lock), and the stored rows' filter.</summary>
    private (IItemSnapshot Snapshot, Overlay Overlay, StoredItemFilter Stored) Pin(ItemQuery query, ItemPosition? after)
    {
        var snapshot = default(IItemSnapshot);
        try
        {
            Overlay overlay;
            using (pending.Read())
            {
                snapshot = reader.OpenItemSnapshot();
                overlay = CopyOverlay(query, after);
            }
            return (snapshot, overlay, StoredFilter(query, after));
        }
        catch
        {
            snapshot?.Dispose();
            throw;
        }
    }

    /// <summary>Each team's stored-row filter, leaving out the teams none of whose dimension sets match.</summary>
    private static IEnumerable<(int Team, StoredItemFilter Filter)> TeamFilters(ItemQuery query, Overlay overlay, StoredItemFilter stored)
    {
        foreach (int team in query.Teams)
        {
            if (overlay.Sets.TryGetValue(team, out var teamSets) && teamSets is { Length: 0 }) continue;
            yield return (team, stored with { DimensionSets = teamSets });
        }
    }

    /// <summary>Stored items per step of the index walk that cuts a sliced read: slices are whole numbers of these.</summary>
    public const int SliceGranule = 256;

    /// <summary>
    /// One team's matching items, cut by position into slices newest first, that <paramref name="readers"/> threads can
    /// read at once: each reader has its own connection, and all of them read the store at the one point the overlay was
    /// copied, as <see cref="Read"/> does. A slice holds a 32nd of the window's stored items, at least
    /// <see cref="SliceGranule"/> and at most <paramref name="maxSliceRows"/> (rounded to the granule), so a small search is
    /// still read in parallel and a large one holds little in memory per slice.
    /// </summary>
    public SlicedItemReading ReadSliced(ItemQuery query, int readers, int maxSliceRows)
    {
        if (query.Teams.Count != 1) throw new ArgumentException("a sliced read is of one team", nameof(query));
        IReadOnlyList<IItemSnapshot> snapshots = [];
        try
        {
            Overlay overlay;
            using (pending.Read())
            {
                snapshots = reader.OpenItemSnapshots(readers);
                overlay = CopyOverlay(query, null);
            }
            int team = query.Teams[0];
            overlay.Sets.TryGetValue(team, out var teamSets);
            var stored = StoredFilter(query, null) with { DimensionSets = teamSets };
            var granules = teamSets is { Length: 0 } ? [] : snapshots[0].Boundaries(team, stored, SliceGranule);
            int perSlice = Math.Clamp((granules.Count + 1) / 32, 1, Math.Max(1, maxSliceRows / SliceGranule));
            var boundaries = new List<ItemPosition>(granules.Count / perSlice + 1);
            for (int i = perSlice - 1; i < granules.Count; i += perSlice) boundaries.Add(granules[i]);
            return new SlicedItemReading(snapshots, team, stored, teamSets is { Length: 0 }, boundaries, overlay.Items, overlay.Superseded);
        }
        catch
        {
            foreach (var s in snapshots) s.Dispose();
            throw;
        }
    }

    /// <summary>The writer's unflushed items that match (newest first), the refs they supersede, and each team's matching dimension sets.</summary>
    private sealed record Overlay(List<ItemRecord> Items, HashSet<long> Superseded, Dictionary<int, int[]?> Sets);

    private Overlay CopyOverlay(ItemQuery query, ItemPosition? after)
    {
        var pendingItems = new List<ItemRecord>();
        var superseded = new HashSet<long>();
        var sets = new Dictionary<int, int[]?>();
        var teams = query.Teams.ToHashSet();
        var matches = new Dictionary<int, bool>();
        foreach (var item in pending.AllItems())
        {
            if (!teams.Contains(item.TeamId)) continue;
            superseded.Add(item.Id);
            if (Matches(query, item, after, matches)) pendingItems.Add(item);
        }
        // After the snapshot: every dimension set its rows name is registered by now.
        if (!query.Filter.IsEmpty)
            foreach (int team in query.Teams)
                sets[team] = registry.SetsOf(team).Where(id => query.Filter.Matches(registry.Get(id))).ToArray();
        pendingItems.Sort((a, b) => ItemPosition.Of(b).CompareTo(ItemPosition.Of(a)));
        return new Overlay(pendingItems, superseded, sets);
    }

    private static StoredItemFilter StoredFilter(ItemQuery query, ItemPosition? after) =>
        new(query.FromMs, query.ToMs, after, null, query.Statuses?.Select(s => (int)s).ToArray(), query.Recipients, query.ErrorCodes);

    /// <summary>
    /// Every item of a team with earliest event in [from, to) that has a recipient, as its recipient and dimension set: the
    /// writer's unflushed states over the stored rows, which are read from the index by earliest event alone (for questions
    /// about who was messaged, which need nothing else of an item).
    /// </summary>
    public void VisitRecipients(int teamId, long fromMs, long toMs, Action<string, int> visit)
    {
        var pendingItems = new List<(string, int)>();
        var superseded = new HashSet<long>();
        IItemSnapshot snapshot;
        using (pending.Read())
        {
            snapshot = reader.OpenItemSnapshot();
            foreach (var item in pending.ItemsOfTeam(teamId))
            {
                superseded.Add(item.Id);
                if (item.Recipient is { } r && item.EarliestAtMs >= fromMs && item.EarliestAtMs < toMs) pendingItems.Add((r, item.DimensionSetId));
            }
        }
        using (snapshot)
        {
            foreach (var (r, dims) in pendingItems) visit(r, dims);
            foreach (var (id, r, dims) in snapshot.Recipients(teamId, fromMs, toMs))
                if (!superseded.Contains(id)) visit(r, dims);
        }
    }

    private bool Matches(ItemQuery q, ItemRecord item, ItemPosition? after, Dictionary<int, bool> matches)
    {
        if (item.EarliestAtMs < q.FromMs || item.EarliestAtMs >= q.ToMs) return false;
        if (after is { } a && ItemPosition.Of(item).CompareTo(a) >= 0) return false;
        if (q.Statuses is { } statuses && !statuses.Contains((Status)item.Status)) return false;
        if (q.Recipients is { } recipients && (item.Recipient is null || !recipients.Contains(item.Recipient))) return false;
        if (q.ErrorCodes is { } codes && (item.ErrorCode is null || !codes.Contains(item.ErrorCode))) return false;
        if (q.Filter.IsEmpty) return true;
        if (!matches.TryGetValue(item.DimensionSetId, out bool match))
            matches[item.DimensionSetId] = match = q.Filter.Matches(registry.Get(item.DimensionSetId));
        return match;
    }
}

/// <summary>A search's items, newest first, merged from its sources as they are enumerated (once); holds the store's snapshots until disposed.</summary>
public sealed class ItemReading : IEnumerable<ItemRecord>, IDisposable
{
    private readonly IReadOnlyList<IItemSnapshot> _snapshots;
    private readonly IReadOnlyList<IEnumerable<ItemRecord>> _sources;
    private readonly List<IEnumerator<ItemRecord>> _open = new();

    internal ItemReading(IReadOnlyList<IItemSnapshot> snapshots, IReadOnlyList<IEnumerable<ItemRecord>> sources)
    {
        _snapshots = snapshots;
        _sources = sources;
    }

    public IEnumerator<ItemRecord> GetEnumerator() => NewestFirst(_sources, _open);

    /// <summary>Each source is newest first: the merge takes the newest head each time. Opened enumerators are added to <paramref name="open"/>.</summary>
    internal static IEnumerator<ItemRecord> NewestFirst(IReadOnlyList<IEnumerable<ItemRecord>> sources, List<IEnumerator<ItemRecord>> open)
    {
        var heads = new PriorityQueue<IEnumerator<ItemRecord>, ItemPosition>(Comparer<ItemPosition>.Create((a, b) => b.CompareTo(a)));
        foreach (var source in sources)
        {
            var e = source.GetEnumerator();
            open.Add(e);
            if (e.MoveNext()) heads.Enqueue(e, ItemPosition.Of(e.Current));
        }
        while (heads.TryDequeue(out var e, out _))
        {
            yield return e.Current;
            if (e.MoveNext()) heads.Enqueue(e, ItemPosition.Of(e.Current));
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var e in _open) e.Dispose();
        _open.Clear();
        foreach (var s in _snapshots) s.Dispose();
    }
}

/// <summary>
/// A search cut into <see cref="Count"/> slices by position, newest first: slice 0 holds the newest items. Reader r reads a
/// slice on its own snapshot (<see cref="Slice"/>), so <see cref="Readers"/> threads can read different slices at once; each
/// reader reads one slice at a time. Disposing releases every snapshot.
/// </summary>
public sealed class SlicedItemReading : IDisposable
{
    private readonly IReadOnlyList<IItemSnapshot> _snapshots;
    private readonly int _team;
    private readonly StoredItemFilter _stored;
    private readonly bool _noStoredRows;
    private readonly IReadOnlyList<ItemPosition> _boundaries;
    private readonly List<ItemRecord> _pending;
    private readonly HashSet<long> _superseded;
    private readonly List<IEnumerator<ItemRecord>>[] _open;

    internal SlicedItemReading(IReadOnlyList<IItemSnapshot> snapshots, int team, StoredItemFilter stored, bool noStoredRows,
        IReadOnlyList<ItemPosition> boundaries, List<ItemRecord> pending, HashSet<long> superseded)
    {
        _snapshots = snapshots;
        _team = team;
        _stored = stored;
        _noStoredRows = noStoredRows;
        _boundaries = boundaries;
        _pending = pending;
        _superseded = superseded;
        _open = snapshots.Select(_ => new List<IEnumerator<ItemRecord>>()).ToArray();
    }

    public int Readers => _snapshots.Count;
    public int Count => _boundaries.Count + 1;

    /// <summary>The items of slice <paramref name="index"/>, newest first, read on reader <paramref name="reader"/>'s snapshot.</summary>
    public IEnumerable<ItemRecord> Slice(int index, int reader)
    {
        var (before, notBefore) = Bounds(index);
        var sources = new List<IEnumerable<ItemRecord>> { PendingIn(before, notBefore) };
        if (!_noStoredRows)
            sources.Add(_snapshots[reader].Items(_team, _stored with { Before = before, NotBefore = notBefore }).Where(r => !_superseded.Contains(r.Id)));
        var open = _open[reader];
        foreach (var e in open) e.Dispose();
        open.Clear();
        using var merged = ItemReading.NewestFirst(sources, open);
        while (merged.MoveNext()) yield return merged.Current;
    }

    /// <summary>The items of slice <paramref name="index"/> as <see cref="Slice"/> lists them, through a cursor over the rows in place; dispose it before the reading.</summary>
    public ItemFieldCursor SliceCursor(int index, int reader)
    {
        var (before, notBefore) = Bounds(index);
        IStoredItemCursor[] stored = _noStoredRows ? [] : [_snapshots[reader].Cursor(_team, _stored with { Before = before, NotBefore = notBefore })];
        return new ItemFieldCursor(PendingIn(before, notBefore), stored, _superseded, null);
    }

    /// <summary>Slice <paramref name="index"/>'s items are before the first position (when given) and not before the second.</summary>
    private (ItemPosition? Before, ItemPosition? NotBefore) Bounds(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return (index == 0 ? null : _boundaries[index - 1], index == _boundaries.Count ? null : _boundaries[index]);
    }

    private List<ItemRecord> PendingIn(ItemPosition? before, ItemPosition? notBefore) =>
        _pending.Where(i => (before is not { } b || ItemPosition.Of(i) < b) && (notBefore is not { } n || ItemPosition.Of(i) >= n)).ToList();

    public void Dispose()
    {
        foreach (var open in _open)
        {
            foreach (var e in open) e.Dispose();
            open.Clear();
        }
        foreach (var s in _snapshots) s.Dispose();
    }
}

/// <summary>
/// A search's items newest first, read in place: the writer's unflushed items merged with the stored rows of one cursor per
/// team, the stored rows those items supersede left out. <see cref="Current"/> is valid until <see cref="Next"/>; disposing
/// closes the cursors (and releases the snapshot when it owns one).
/// </summary>
public sealed class ItemFieldCursor : IDisposable
{
    private readonly List<ItemRecord> _pending;
    private readonly IStoredItemCursor[] _stored;
    private readonly ItemPosition?[] _heads;
    private readonly HashSet<long> _superseded;
    private readonly IItemSnapshot? _owned;
    private int _nextPending;
    private int _current = NoItem; // PendingItem, or the index of the stored cursor on the current item
    private bool _started;
    private const int NoItem = -2, PendingItem = -1;

    internal ItemFieldCursor(List<ItemRecord> pending, IStoredItemCursor[] stored, HashSet<long> superseded, IItemSnapshot? owned)
    {
        _pending = pending;
        _stored = stored;
        _heads = new ItemPosition?[stored.Length];
        _superseded = superseded;
        _owned = owned;
    }

    /// <summary>Moves to the next item: false at the end.</summary>
    public bool Next()
    {
        if (!_started)
        {
            _started = true;
            for (int i = 0; i < _stored.Length; i++) _heads[i] = Advance(_stored[i]);
        }
        else if (_current >= 0) _heads[_current] = Advance(_stored[_current]);
        _current = NoItem;
        ItemPosition newest = default;
        if (_nextPending < _pending.Count)
        {
            _current = PendingItem;
            newest = ItemPosition.Of(_pending[_nextPending]);
        }
        for (int i = 0; i < _heads.Length; i++)
        {
            if (_heads[i] is not { } head || (_current != NoItem && head < newest)) continue;
            _current = i;
            newest = head;
        }
        if (_current == PendingItem) _nextPending++;
        return _current != NoItem;
    }

    public ItemFields Current => _current switch
    {
        NoItem => throw new InvalidOperationException("no current item"),
        PendingItem => ItemFields.Of(_pending[_nextPending - 1]),
        _ => _stored[_current].Current,
    };

    private ItemPosition? Advance(IStoredItemCursor stored)
    {
        while (stored.Next())
        {
            var position = stored.Position;
            if (_superseded.Count == 0 || !_superseded.Contains(position.Id)) return position;
        }
        return null;
    }

    public void Dispose()
    {
        foreach (var s in _stored) s.Dispose();
        _owned?.Dispose();
    }
}
