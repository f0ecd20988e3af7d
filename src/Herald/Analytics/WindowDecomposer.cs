using Herald.Domain;
using Herald.Engine;

namespace Herald.Analytics;

/// <summary>A contiguous run of stored cells of one granularity: buckets in [Start, End).</summary>
public readonly record struct CellRange(Granularity Granularity, UtcMinute Start, UtcMinute End);

/// <summary>A piece of a window to add, or (<see cref="Subtract"/>) to take away: every field of a cell is a sum.</summary>
public readonly record struct SignedRange(CellRange Range, bool Subtract);

/// <summary>
/// Splits a window [from, to) of whole minutes into the coarsest aligned cells: minutes up to the first
/// whole hour, hours up to the first whole day, days up to the first whole month, whole months, then
/// back down at the ragged end. A 24-hour window reads about 24 hour-cells, not 1,440 minute-cells.
/// </summary>
public static class WindowDecomposer
{
    private static readonly Granularity[] Ascending = [Granularity.Minute, Granularity.Hour, Granularity.Day];
    private static readonly Granularity[] Descending = [Granularity.Day, Granularity.Hour, Granularity.Minute];

    public static List<CellRange> Decompose(UtcMinute from, UtcMinute to)
    {
        var ranges = new List<CellRange>(8);
        var cur = from;
        foreach (var g in Ascending)
        {
            var coarser = g == Granularity.Day ? Granularity.Month : g + 1;
            var start = cur;
            while (cur < to && !cur.IsAligned(coarser) && cur.Next(g) <= to) cur = cur.Next(g);
            if (cur > start) ranges.Add(new CellRange(g, start, cur));
            if (!cur.IsAligned(coarser)) break;
        }
        if (cur.IsAligned(Granularity.Month))
        {
            var start = cur;
            while (cur.Next(Granularity.Month) <= to) cur = cur.Next(Granularity.Month);
            if (cur > start) ranges.Add(new CellRange(Granularity.Month, start, cur));
        }
        foreach (var g in Descending)
        {
            if (!cur.IsAligned(g)) continue;
            var start = cur;
            while (cur.Next(g) <= to) cur = cur.Next(g);
            if (cur > start) ranges.Add(new CellRange(g, start, cur));
        }
        return ranges;
    }

    /// <summary>
    /// <see cref="Decompose(UtcMinute, UtcMinute)"/>, then every piece whose cells are gone (its start is before its
    /// granularity's retention horizon) is replaced by the enclosing cell of the next coarser granularity, again until
    /// one is kept; overlapping replacements merge. The answer then covers the whole enclosing hour (day, month) of a
    /// window edge older than the finer cells' retention: exact for aligned windows, widened to whole cells otherwise.
    /// </summary>
    public static List<CellRange> Decompose(UtcMinute from, UtcMinute to, RetentionHorizons? horizons)
    {
        var ranges = Decompose(from, to);
        if (horizons is null || !horizons.Any) return ranges;
        var result = new List<CellRange>(ranges.Count);
        foreach (var r in ranges) result.Add(Retained(r, horizons));
        return Union(result);
    }

    /// <summary>
    /// <see cref="Decompose(UtcMinute, UtcMinute, RetentionHorizons?)"/>, then each run of minutes (one at each ragged end of
    /// the window, inside one hour) is read as its hour's cell less the hour's other minutes when those are fewer: a
    /// window ending now reads its last hour's cell and the minutes still to come (none are stored yet), and a window
    /// starting at 06:50 reads ten minutes either way. Only for sums over the window (not per bucket); the hour cell must be
    /// kept, as it always is within its retention.
    /// </summary>
    public static List<SignedRange> DecomposeSigned(UtcMinute from, UtcMinute to, RetentionHorizons? horizons)
    {
        var pieces = Decompose(from, to, horizons);
        var result = new List<SignedRange>(pieces.Count + 2);
        foreach (var r in pieces)
        {
            var hour = r.Start.Floor(Granularity.Hour);
            var hourEnd = hour.Next(Granularity.Hour);
            long inside = r.End.Value - r.Start.Value, outside = 60 - inside;
            if (r.Granularity != Granularity.Minute || outside >= inside || r.End > hourEnd
                || (horizons is not null && hour < horizons.Of(Granularity.Hour)))
            {
                result.Add(new SignedRange(r, false));
                continue;
            }
            result.Add(new SignedRange(new CellRange(Granularity.Hour, hour, hourEnd), false));
            if (r.Start > hour) result.Add(new SignedRange(new CellRange(Granularity.Minute, hour, r.Start), true));
            if (r.End < hourEnd) result.Add(new SignedRange(new CellRange(Granularity.Minute, r.End, hourEnd), true));
        }
        return result;
    }

    /// <summary>The piece itself when its cells are kept, else its enclosing cell at the finest coarser granularity that is.</summary>
    public static CellRange Retained(CellRange r, RetentionHorizons horizons)
    {
        while (r.Granularity != Granularity.Month && r.Start < horizons.Of(r.Granularity))
        {
            var coarser = r.Granularity == Granularity.Day ? Granularity.Month : r.Granularity + 1;
            var end = r.End.IsAligned(coarser) ? r.End : r.End.Floor(coarser).Next(coarser);
            r = new CellRange(coarser, r.Start.Floor(coarser), end);
        }
        return r;
    }

    /// <summary>Merges overlapping pieces of the same granularity (the two ends of a window can widen into one cell).</summary>
    private static List<CellRange> Union(List<CellRange> ranges)
    {
        ranges.Sort((a, b) => a.Granularity != b.Granularity ? a.Granularity.CompareTo(b.Granularity) : a.Start.CompareTo(b.Start));
        var merged = new List<CellRange>(ranges.Count);
        foreach (var r in ranges)
        {
            if (merged.Count > 0 && merged[^1] is var last && last.Granularity == r.Granularity && r.Start < last.End)
            {
                if (r.End > last.End) merged[^1] = last with { End = r.End };
                continue;
            }
            merged.Add(r);
        }
        return merged;
    }
}
