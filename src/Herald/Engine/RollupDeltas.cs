using Herald.Domain;

namespace Herald.Engine;

/// <summary>
/// The signed changes one write batch makes to rollup cells. An item whose contribution changes adds
/// -1 where it counted and +1 where it counts now, at every stored granularity; each cell is then
/// written once per batch.
/// </summary>
public sealed class RollupDeltas(Func<int, int[]> projectionIdsOf)
{
    private readonly Dictionary<CellKey, CellStats> _cells = new();
    private readonly Stack<CellStats> _pool = new();

    public IReadOnlyDictionary<CellKey, CellStats> Cells => _cells;

    public void Move(int teamId, Contribution? before, Contribution after)
    {
        if (before is { } b)
        {
            if (b == after) return;
            // Most events change an item's status or latency alone: its cells stay the same, so each is looked up once
            // for both changes (per cell the same -1 then +1 as two passes would add).
            if (b.DimensionSetId == after.DimensionSetId && b.Cohort == after.Cohort)
            {
                AddContribution(teamId, b, -1, after);
                return;
            }
            AddContribution(teamId, b, -1);
        }
        AddContribution(teamId, after, +1);
    }

    /// <param name="then">A contribution to the same cells to add (+1) right after <paramref name="c"/>, in the same pass.</param>
    public void AddContribution(int teamId, Contribution c, int sign, Contribution? then = null)
    {
        int latencyBucket = LatencyBucketOf(c);
        int thenLatencyBucket = then is { } t ? LatencyBucketOf(t) : -1;
        var projections = projectionIdsOf(c.DimensionSetId);
        foreach (var g in Granularities.Stored)
        {
            var bucket = c.Cohort.Floor(g);
            AddContributions(CellFor(new CellKey(teamId, g, bucket, c.DimensionSetId)), c, sign, latencyBucket, then, thenLatencyBucket);
            AddContributions(CellFor(new CellKey(TeamTotals.ScopeOf(teamId), g, bucket, TeamTotals.DimensionSetId)), c, sign, latencyBucket, then, thenLatencyBucket);
            if (g == Granularity.Minute) continue;
            for (int i = 0; i < projections.Length; i++)
            {
                if (projections[i] == 0) continue;
                var key = new CellKey(Projections.ScopeOf(teamId, Projections.Projected[i]), g, bucket, projections[i]);
                AddContributions(CellFor(key), c, sign, latencyBucket, then, thenLatencyBucket);
            }
        }
    }

    private static int LatencyBucketOf(Contribution c) => c.LatencyMs is { } ms ? LatencyScale.BucketOf(ms) : -1;

    private static void AddContributions(CellStats cell, Contribution c, int sign, int latencyBucket, Contribution? then, int thenLatencyBucket)
    {
        AddContribution(cell, c, sign, latencyBucket);
        if (then is { } t) AddContribution(cell, t, +1, thenLatencyBucket);
    }

    private static void AddContribution(CellStats cell, Contribution c, int sign, int latencyBucket)
    {
        cell.ItemsByStatus[(int)c.Status] += sign;
        cell.Cost += sign * c.Cost;
        if (latencyBucket >= 0) cell.AddLatency(latencyBucket, sign, sign * (double)c.LatencyMs!.Value);
    }

    /// <summary>
    /// Counts events in their minute. Events moving between a team's dimension sets leave its totals alone;
    /// their value projections move with them (where a value did not change, the two moves cancel).
    /// </summary>
    public void AddEvents(int teamId, int dimensionSetId, UtcMinute minute, long count, bool countInTotals = true)
    {
        var projections = projectionIdsOf(dimensionSetId);
        foreach (var g in Granularities.Stored)
        {
            var bucket = minute.Floor(g);
            CellFor(new CellKey(teamId, g, bucket, dimensionSetId)).Events += count;
            if (countInTotals) CellFor(new CellKey(TeamTotals.ScopeOf(teamId), g, bucket, TeamTotals.DimensionSetId)).Events += count;
            if (g == Granularity.Minute) continue;
            for (int i = 0; i < projections.Length; i++)
                if (projections[i] != 0)
                    CellFor(new CellKey(Projections.ScopeOf(teamId, Projections.Projected[i]), g, bucket, projections[i])).Events += count;
        }
    }

    /// <summary>
    /// Marks the item's cohort minute as changed without changing a count (an empty delta, which no flush writes), so
    /// whoever watches the published cells (<see cref="DataChanges"/>) sees its hour change.
    /// </summary>
    public void MarkChanged(int teamId, Contribution c) =>
        CellFor(new CellKey(teamId, Granularity.Minute, c.Cohort, c.DimensionSetId));

    public void Clear()
    {
        foreach (var cell in _cells.Values)
        {
            cell.Reset();
            _pool.Push(cell);
        }
        _cells.Clear();
    }

    private CellStats CellFor(CellKey key)
    {
        if (!_cells.TryGetValue(key, out var cell))
        {
            cell = _pool.Count > 0 ? _pool.Pop() : new CellStats();
            _cells.Add(key, cell);
        }
        return cell;
    }
}
