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
            var pendingItems = new List<ItemRecord>();
            var superseded = new HashSet<long>();
            var sets = new Dictionary<int, int[]?>();
            using (pending.Read())
            {
                snapshot = reader.OpenItemSnapshot();
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
            }
            pendingItems.Sort((a, b) => ItemPosition.Of(b).CompareTo(ItemPosition.Of(a)));
            var stored = new StoredItemFilter(query.FromMs, query.ToMs, after, null,
                query.Statuses?.Select(s => (int)s).ToArray(), query.Recipients, query.ErrorCodes);
            var sources = new List<IEnumerable<ItemRecord>> { pendingItems };
            foreach (int team in query.Teams)
            {
                if (sets.TryGetValue(team, out var teamSets) && teamSets is { Length: 0 }) continue;
                var rows = snapshot.Items(team, stored with { DimensionSets = teamSets });
                sources.Add(rows.Where(r => !superseded.Contains(r.Id)));
            }
            return new ItemReading(snapshot, sources);
        }
        catch
        {
            snapshot?.Dispose();
            throw;
        }
    }

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

/// <summary>A search's items, newest first, merged from its sources as they are enumerated (once); holds the store's snapshot until disposed.</summary>
public sealed class ItemReading : IEnumerable<ItemRecord>, IDisposable
{
    private readonly IItemSnapshot _snapshot;
    private readonly IReadOnlyList<IEnumerable<ItemRecord>> _sources;
    private readonly List<IEnumerator<ItemRecord>> _open = new();

    internal ItemReading(IItemSnapshot snapshot, IReadOnlyList<IEnumerable<ItemRecord>> sources)
    {
        _snapshot = snapshot;
        _sources = sources;
    }

    public IEnumerator<ItemRecord> GetEnumerator()
    {
        // Each source is newest first: the merge takes the newest head each time.
        var heads = new PriorityQueue<IEnumerator<ItemRecord>, ItemPosition>(Comparer<ItemPosition>.Create((a, b) => b.CompareTo(a)));
        foreach (var source in _sources)
        {
            var e = source.GetEnumerator();
            _open.Add(e);
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
        _snapshot.Dispose();
    }
}
