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
        var snapshot = default(IItemSnapshot);
        try
        {
            Overlay overlay;
            using (pending.Read())
            {
                snapshot = reader.OpenItemSnapshot();
                overlay = CopyOverlay(query, after);
            }
            var stored = StoredFilter(query, after);
            var sources = new List<IEnumerable<ItemRecord>> { overlay.Items };
            foreach (int team in query.Teams)
            {
                if (overlay.Sets.TryGetValue(team, out var teamSets) && teamSets is { Length: 0 }) continue;
                var rows = snapshot.Items(team, stored with { DimensionSets = teamSets });
                sources.Add(rows.Where(r => !overlay.Superseded.Contains(r.Id)));
            }
            return new ItemReading([snapshot], sources);
        }
        catch
        {
            snapshot?.Dispose();
            throw;
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
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        ItemPosition? before = index == 0 ? null : _boundaries[index - 1];
        ItemPosition? notBefore = index == _boundaries.Count ? null : _boundaries[index];
        var pending = _pending.Where(i => (before is not { } b || ItemPosition.Of(i) < b) && (notBefore is not { } n || ItemPosition.Of(i) >= n)).ToList();
        var sources = new List<IEnumerable<ItemRecord>> { pending };
        if (!_noStoredRows)
            sources.Add(_snapshots[reader].Items(_team, _stored with { Before = before, NotBefore = notBefore }).Where(r => !_superseded.Contains(r.Id)));
        var open = _open[reader];
        foreach (var e in open) e.Dispose();
        open.Clear();
        using var merged = ItemReading.NewestFirst(sources, open);
        while (merged.MoveNext()) yield return merged.Current;
    }

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
