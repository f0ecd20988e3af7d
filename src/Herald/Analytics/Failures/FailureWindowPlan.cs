using Herald.Domain;
using Herald.Engine;

namespace Herald.Analytics.Failures;

/// <summary>Raw events with occurred_at in [FromMs, ToMs).</summary>
public readonly record struct RawEventRange(long FromMs, long ToMs);

/// <summary>
/// How the failure analysis reads one window: its whole hours, days and months from failure cells (the coarsest that fit,
/// <see cref="WindowDecomposer"/>), the partial hours at its edges from the raw events. A piece whose cells retention has
/// deleted (it starts before its granularity's horizon) is read from the raw events too, so the answer is what the raw
/// events say wherever cells are gone.
/// </summary>
public sealed record FailureWindowPlan(IReadOnlyList<CellRange> Cells, IReadOnlyList<RawEventRange> Raw)
{
    private const long MillisPerHour = 60 * UtcMinute.MillisPerMinute;

    public static FailureWindowPlan Of(long fromMs, long toMs, RetentionHorizons? horizons)
    {
        var cells = new List<CellRange>();
        var raw = new List<RawEventRange>();
        long firstWholeHour = FloorToHour(fromMs) == fromMs ? fromMs : FloorToHour(fromMs) + MillisPerHour;
        long lastWholeHour = FloorToHour(toMs);
        if (firstWholeHour >= lastWholeHour)
        {
            Append(raw, fromMs, toMs);
            return new(cells, raw);
        }
        Append(raw, fromMs, firstWholeHour);
        var pieces = WindowDecomposer.Decompose(UtcMinute.FromUnixMillis(firstWholeHour), UtcMinute.FromUnixMillis(lastWholeHour));
        foreach (var piece in pieces)
        {
            if (horizons is not null && piece.Start < horizons.Of(piece.Granularity)) Append(raw, piece.Start.ToUnixMillis(), piece.End.ToUnixMillis());
            else cells.Add(piece);
        }
        Append(raw, lastWholeHour, toMs);
        return new(cells, raw);
    }

    /// <summary>
    /// This plan with each partial hour read from its hour's cells instead of its raw events wherever the rest of that hour
    /// holds no failing event (<paramref name="hasFailures"/> over [from, to)): the cell then counts exactly the part's
    /// failures. A window that ends now has a growing partial hour at its end, and an hour of raw failing events at high
    /// traffic takes seconds to read; this reads one cell per dimension set and code instead.
    /// </summary>
    public FailureWindowPlan WithQuietEdgesFromCells(Func<long, long, bool> hasFailures, RetentionHorizons? horizons)
    {
        if (Raw.Count == 0) return this;
        var cells = new List<CellRange>(Cells);
        var raw = new List<RawEventRange>();
        foreach (var range in Raw)
        {
            for (long from = range.FromMs; from < range.ToMs;)
            {
                long hour = FloorToHour(from), hourEnd = hour + MillisPerHour, to = Math.Min(range.ToMs, hourEnd);
                var start = UtcMinute.FromUnixMillis(hour);
                bool partial = from != hour || to != hourEnd;
                bool cellKept = horizons is null || start >= horizons.Of(Granularity.Hour);
                if (partial && cellKept && (from == hour || !hasFailures(hour, from)) && (to == hourEnd || !hasFailures(to, hourEnd)))
                    cells.Add(new CellRange(Granularity.Hour, start, UtcMinute.FromUnixMillis(hourEnd)));
                else Append(raw, from, to);
                from = to;
            }
        }
        return new(cells, raw);
    }

    private static long FloorToHour(long ms)
    {
        long hours = Math.DivRem(ms, MillisPerHour, out long rest);
        return (rest < 0 ? hours - 1 : hours) * MillisPerHour;
    }

    /// <summary>Adds a non-empty range, joined to the previous one when they touch (pieces come in time order).</summary>
    private static void Append(List<RawEventRange> raw, long fromMs, long toMs)
    {
        if (toMs <= fromMs) return;
        if (raw.Count > 0 && raw[^1].ToMs == fromMs) raw[^1] = raw[^1] with { ToMs = toMs };
        else raw.Add(new RawEventRange(fromMs, toMs));
    }
}
