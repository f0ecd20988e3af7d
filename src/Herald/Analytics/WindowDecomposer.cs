using Herald.Domain;

namespace Herald.Analytics;

/// <summary>A contiguous run of stored cells of one granularity: buckets in [Start, End).</summary>
public readonly record struct CellRange(Granularity Granularity, UtcMinute Start, UtcMinute End);

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
}
