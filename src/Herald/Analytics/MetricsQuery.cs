using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Analytics;

/// <summary>
/// Answers summary, timeseries and breakdown questions from rollup cells only: the window is decomposed
/// into the coarsest aligned cells, the filter becomes the set of matching dimension set ids, and the
/// cells' blobs are merged without materializing them; the writer's pending deltas are added on top,
/// under the same read lock as the stored cells, so an answer always includes what was accepted. Pieces whose cells the
/// retention job deleted are read from the enclosing coarser cell (<see cref="WindowDecomposer.Decompose(UtcMinute, UtcMinute, RetentionHorizons?)"/>).
/// </summary>
public sealed class MetricsQuery(IRollupReader reader, DimensionRegistry registry, PendingRollups pending, RetentionHorizons? horizons = null)
{
    public MetricTotals Summary(IReadOnlyList<int> teams, MetricFilter filter, UtcMinute from, UtcMinute to)
    {
        using var readLock = pending.Read();
        var total = new CellStats();
        CellStats? less = null;
        // Where to read depends only on whether the piece is of minutes (no projections): worked out once for each.
        (IReadOnlyList<int>, int[])? minuteScopes = null, cellScopes = null;
        foreach (var (range, subtract) in WindowDecomposer.DecomposeSigned(from, to, horizons))
        {
            var (scopes, groups) = range.Granularity == Granularity.Minute
                ? minuteScopes ??= Scopes(teams, filter, Granularity.Minute)
                : cellScopes ??= Scopes(teams, filter, range.Granularity);
            var into = subtract ? less ??= new CellStats() : total;
            Read(scopes, range, groups, (_, _) => into);
        }
        if (less is not null) total.Subtract(less);
        return new MetricTotals(total);
    }

    /// <summary>
    /// One point per bucket of <paramref name="g"/> over [from, to). Without <paramref name="latency"/> the points carry
    /// items, events and cost only (their latency is empty): series that never show latency skip decoding it.
    /// </summary>
    public IReadOnlyList<(UtcMinute Bucket, MetricTotals Totals)> Timeseries(
        IReadOnlyList<int> teams, MetricFilter filter, UtcMinute from, UtcMinute to, Granularity g, bool latency = true)
    {
        using var readLock = pending.Read();
        var starts = new List<UtcMinute>();
        var points = new List<CellStats>();
        // Each stored granularity: the pieces of every point, sorted by start, to route a cell to its point.
        var pieces = new Dictionary<Granularity, List<(UtcMinute Start, UtcMinute End, int Point)>>();
        for (var b = from.Floor(g); b < to; b = b.Next(g))
        {
            var start = b < from ? from : b;
            var next = b.Next(g);
            var end = next > to ? to : next;
            int point = points.Count;
            starts.Add(b);
            points.Add(new CellStats());
            foreach (var piece in WindowDecomposer.Decompose(start, end, horizons))
            {
                var r = piece;
                var l = pieces.TryGetValue(r.Granularity, out var found) ? found : pieces[r.Granularity] = [];
                // A piece widened to a coarser cell (past retention) that an earlier point already reads: the cell's
                // figures go to the first point it covers, once.
                if (l.Count > 0 && l[^1].End > r.Start)
                {
                    if (r.End <= l[^1].End) continue;
                    r = r with { Start = l[^1].End };
                }
                l.Add((r.Start, r.End, point));
            }
        }

        foreach (var (gran, list) in pieces)
        {
            var (scopes, groups) = Scopes(teams, filter, gran);
            foreach (var run in ContiguousRuns(list))
            {
                Read(scopes, new CellRange(gran, run.Start, run.End), groups, (bucket, _) =>
                {
                    int i = FindPiece(list, bucket);
                    return i < 0 ? null : points[list[i].Point];
                }, latency);
            }
        }

        var result = new List<(UtcMinute, MetricTotals)>(points.Count);
        for (int i = 0; i < points.Count; i++) result.Add((starts[i], new MetricTotals(points[i])));
        return result;
    }

    public IReadOnlyList<(string? Key, MetricTotals Totals)> Breakdown(
        IReadOnlyList<int> teams, MetricFilter filter, Dimension by, UtcMinute from, UtcMinute to, Func<int, string> teamName)
    {
        using var readLock = pending.Read();
        var groups = new BreakdownGroups();
        int[]? byDimensionSet = null;
        int[] BySet() => byDimensionSet ??= GroupsOf(teams, filter, t => groups.KeyIndex(by == Dimension.Team ? teamName(t.TeamId) : t.Text(by)), out _);
        if (filter.IsEmpty && by != Dimension.Team)
        {
            // Unfiltered: each value's projection cells, and the items lacking the dimension are the team
            // totals less every value (all the fields are sums, so they subtract exactly). Minute pieces,
            // which have no projections, are read per dimension set.
            var byValue = new int[registry.MaxId + 1];
            Array.Fill(byValue, -1);
            foreach (int team in teams)
                foreach (int id in registry.SetsOf(team))
                    if (id < byValue.Length && IsValueTuple(registry.Get(id), by) is { } value) byValue[id] = groups.KeyIndex(value);
            var totals = new CellStats();
            var projected = new List<CellStats>();
            foreach (var (range, subtract) in WindowDecomposer.DecomposeSigned(from, to, horizons))
            {
                if (range.Granularity == Granularity.Minute)
                {
                    Read(teams, range, BySet(), subtract ? (_, group) => groups.LessOf(group) : (_, group) => groups.CellOf(group));
                    continue;
                }
                Read(teams.Select(t => Projections.ScopeOf(t, by)).ToArray(), range, byValue, (_, group) =>
                {
                    while (projected.Count <= group) projected.Add(new CellStats());
                    return projected[group];
                });
                Read(teams.Select(TeamTotals.ScopeOf).ToArray(), range, [0], (_, _) => totals);
            }
            for (int i = 0; i < projected.Count; i++)
            {
                groups.CellOf(i).Add(projected[i]);
                totals.Subtract(projected[i]);
            }
            groups.CellOf(groups.KeyIndex(null)).Add(totals);
        }
        else
        {
            foreach (var (range, subtract) in WindowDecomposer.DecomposeSigned(from, to, horizons))
                Read(teams, range, BySet(), subtract ? (_, group) => groups.LessOf(group) : (_, group) => groups.CellOf(group));
        }
        return groups.Rows();
    }

    /// <summary>A breakdown's groups: each key's index, its cells, and the minutes to take away from them.</summary>
    private sealed class BreakdownGroups
    {
        private readonly List<string?> _keys = new();
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly List<CellStats> _cells = new();
        // Minutes read only to be taken away from their hour's cell (see WindowDecomposer.DecomposeSigned), per group.
        private readonly List<CellStats> _less = new();
        private int _nullIndex = -1;

        public int KeyIndex(string? key)
        {
            if (key is null) return _nullIndex >= 0 ? _nullIndex : _nullIndex = Add(null);
            return _index.TryGetValue(key, out int i) ? i : _index[key] = Add(key);
        }

        public CellStats CellOf(int group) => Grow(_cells, group);

        public CellStats LessOf(int group) => Grow(_less, group);

        /// <summary>The non-empty groups, largest first, then by key.</summary>
        public List<(string? Key, MetricTotals Totals)> Rows()
        {
            for (int i = 0; i < _less.Count; i++) CellOf(i).Subtract(_less[i]);
            while (_cells.Count < _keys.Count) _cells.Add(new CellStats());
            var rows = new List<(string? Key, MetricTotals Totals)>();
            for (int i = 0; i < _keys.Count; i++)
            {
                var totals = new MetricTotals(_cells[i]);
                if (totals.Total != 0 || totals.Events != 0) rows.Add((_keys[i], totals));
            }
            rows.Sort((a, b) => b.Totals.Total != a.Totals.Total ? b.Totals.Total.CompareTo(a.Totals.Total) : string.CompareOrdinal(a.Key, b.Key));
            return rows;
        }

        private int Add(string? key)
        {
            _keys.Add(key);
            return _keys.Count - 1;
        }

        private static CellStats Grow(List<CellStats> list, int group)
        {
            while (list.Count <= group) list.Add(new CellStats());
            return list[group];
        }
    }

    /// <summary>
    /// One team's cells over [from, to), merged per dimension set (stored cells plus the writer's pending deltas):
    /// the raw material of questions that split by several dimensions at once (snapshots). Sets without cells are left out.
    /// </summary>
    /// <param name="latency">Without it the cells carry items, events and cost only (their latency histograms are not decoded).</param>
    public IReadOnlyList<(DimensionTuple Set, CellStats Cells)> BySet(int team, UtcMinute from, UtcMinute to, bool latency = true)
    {
        using var readLock = pending.Read();
        // Under the read lock: every set whose cells are visible (stored or pending) was interned before them.
        var sets = registry.SetsOf(team);
        var groups = new int[registry.MaxId + 1];
        Array.Fill(groups, -1);
        for (int i = 0; i < sets.Length; i++)
            if (sets[i] < groups.Length) groups[sets[i]] = i;
        var cells = new CellStats?[sets.Length];
        int[] scope = [team];
        foreach (var range in WindowDecomposer.Decompose(from, to))
            Read(scope, range, groups, (_, group) => cells[group] ??= new CellStats(), latency);
        var result = new List<(DimensionTuple, CellStats)>();
        for (int i = 0; i < sets.Length; i++)
            if (cells[i] is { } c) result.Add((registry.Get(sets[i]), c));
        return result;
    }

    /// <summary>
    /// Visits one team's cells of granularity <paramref name="g"/> with bucket in [from, to), stored and pending (a bucket and
    /// set may come twice: once stored, once pending), of the given dimension sets only, items and events decoded (no
    /// latency). The cell handed to <paramref name="visit"/> is reused: read it, do not keep it.
    /// </summary>
    public void VisitCells(int team, Granularity g, UtcMinute from, UtcMinute to, IReadOnlyCollection<int> sets, Action<UtcMinute, int, CellStats> visit)
    {
        if (from >= to || sets.Count == 0) return;
        using var readLock = pending.Read();
        var wanted = sets as IReadOnlySet<int> ?? sets.ToHashSet();
        var scratch = new CellStats();
        reader.ReadCells(team, g, from, to, (bucket, dims, data) =>
        {
            if (!wanted.Contains(dims)) return;
            scratch.Reset();
            scratch.AddEncoded(data, latency: false);
            visit(bucket, dims, scratch);
        }, sets.Count * 2 <= registry.SetsOf(team).Length ? sets : null);
        pending.Visit(team, g, from, to, (bucket, dims, cell) =>
        {
            if (wanted.Contains(dims)) visit(bucket, dims, cell);
        });
    }

    /// <summary>Where an unsplit question reads: the teams' totals when nothing is filtered, else their dimension sets.</summary>
    private (IReadOnlyList<int> Scopes, int[] Groups) Scopes(IReadOnlyList<int> teams, MetricFilter filter, Granularity g)
    {
        if (filter.Single is { } single && g != Granularity.Minute)
        {
            // One dimension: its value projections, one row per value and bucket.
            var groups = new int[registry.MaxId + 1];
            Array.Fill(groups, -1);
            foreach (int team in teams)
                foreach (var value in single.Values)
                    if (registry.TryGetId(Projections.ValueTuple(team, single.Dimension, value), out int id) && id < groups.Length) groups[id] = 0;
            return (teams.Select(t => Projections.ScopeOf(t, single.Dimension)).ToArray(), groups);
        }
        if (!filter.IsEmpty) return (teams, GroupsOf(teams, filter, _ => 0, out _));
        var scopes = new int[teams.Count];
        for (int i = 0; i < scopes.Length; i++) scopes[i] = TeamTotals.ScopeOf(teams[i]);
        return (scopes, [0]);
    }

    /// <summary>The value a projection tuple of <paramref name="d"/> stands for, or null for any other tuple.</summary>
    private static string? IsValueTuple(DimensionTuple t, Dimension d)
    {
        var value = t.Text(d);
        if (value is null) return null;
        return Projections.ValueTuple(t.TeamId, d, value) == t ? value : null;
    }

    /// <summary>For every dimension set id: the group its cells merge into, or -1 when the filter excludes it.</summary>
    private int[] GroupsOf(IReadOnlyList<int> teams, MetricFilter filter, Func<DimensionTuple, int> groupOf, out int count)
    {
        var groups = new int[registry.MaxId + 1];
        Array.Fill(groups, -1);
        count = 0;
        foreach (int team in teams)
        {
            foreach (int id in registry.SetsOf(team))
            {
                if (id >= groups.Length) continue;
                var tuple = registry.Get(id);
                if (filter.Matches(tuple)) groups[id] = groupOf(tuple);
            }
        }
        return groups;
    }

    private void Read(IReadOnlyList<int> scopes, CellRange range, int[] groups, Func<UtcMinute, int, CellStats?> target, bool latency = true)
    {
        foreach (int team in scopes)
        {
            var only = NarrowSets(team, groups);
            reader.ReadCells(team, range.Granularity, range.Start, range.End, (bucket, dims, data) =>
            {
                if ((uint)dims >= (uint)groups.Length) return;
                int group = groups[dims];
                if (group < 0) return;
                target(bucket, group)?.AddEncoded(data, latency);
            }, only);
            pending.Visit(team, range.Granularity, range.Start, range.End, (bucket, dims, cell) =>
            {
                if ((uint)dims >= (uint)groups.Length) return;
                int group = groups[dims];
                if (group >= 0) target(bucket, group)?.Add(cell, latency);
            });
        }
    }

    /// <summary>
    /// The team's matching dimension sets when they are at most half of its sets: then the store skips the
    /// others itself, which is cheaper than handing every row to the caller to drop.
    /// </summary>
    private List<int>? NarrowSets(int team, int[] groups)
    {
        if (team < 0) return null;
        var sets = registry.SetsOf(team);
        var matching = new List<int>();
        foreach (int id in sets)
            if (id < groups.Length && groups[id] >= 0) matching.Add(id);
        return matching.Count * 2 <= sets.Length ? matching : null;
    }

    private static IEnumerable<(UtcMinute Start, UtcMinute End)> ContiguousRuns(List<(UtcMinute Start, UtcMinute End, int Point)> pieces)
    {
        pieces.Sort((a, b) => a.Start.CompareTo(b.Start));
        int i = 0;
        while (i < pieces.Count)
        {
            var start = pieces[i].Start;
            var end = pieces[i].End;
            while (i + 1 < pieces.Count && pieces[i + 1].Start == end) end = pieces[++i].End;
            yield return (start, end);
            i++;
        }
    }

    private static int FindPiece(List<(UtcMinute Start, UtcMinute End, int Point)> sorted, UtcMinute bucket)
    {
        int lo = 0, hi = sorted.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (bucket < sorted[mid].Start) hi = mid - 1;
            else if (bucket >= sorted[mid].End) lo = mid + 1;
            else return mid;
        }
        return -1;
    }
}
