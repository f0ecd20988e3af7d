using Herald.Domain;

namespace Herald.Engine;

/// <summary>
/// Per stored granularity, the first bucket from which its rollup cells are complete: the retention job deletes cells
/// only before a horizon, and moves the horizon forward before it deletes. A horizon is aligned to the next coarser
/// granularity (minute horizons fall on whole hours, hour horizons on whole days, day horizons on whole months), so
/// every cell piece of a decomposed window lies wholly before or wholly after its horizon. Until the job has run,
/// every horizon is <see cref="UtcMinute"/> of <see cref="long.MinValue"/>: nothing is missing, queries are exact.
/// </summary>
public sealed class RetentionHorizons
{
    /// <summary>The stored "granularity" code of the raw events' horizon (the stored granularities are 0 to 4).</summary>
    public const int RawEventsCode = 100;

    /// <summary>The stored code of the items' horizon.</summary>
    public const int ItemsCode = 101;

    private readonly long[] _horizons = new long[(int)Granularity.Week + 1];
    private long _rawEvents = long.MinValue;
    private long _items = long.MinValue;

    public RetentionHorizons()
    {
        Array.Fill(_horizons, long.MinValue);
    }

    public UtcMinute Of(Granularity g) => new(Volatile.Read(ref _horizons[(int)g]));

    /// <summary>Moves a horizon forward (never back).</summary>
    public void Advance(Granularity g, UtcMinute horizon) => MoveForward(ref _horizons[(int)g], horizon.Value);

    /// <summary>
    /// The first minute from which the raw events are all kept: raw-event retention deletes events only before it, and
    /// moves it forward before it deletes (<see cref="UtcMinute"/> of <see cref="long.MinValue"/> until it first runs).
    /// </summary>
    public UtcMinute RawEvents => new(Volatile.Read(ref _rawEvents));

    public void AdvanceRawEvents(UtcMinute horizon) => MoveForward(ref _rawEvents, horizon.Value);

    /// <summary>
    /// Item retention's cut-off: an item whose last event was received before it is closed (the writer refuses its later
    /// events) and is deleted once its raw events are gone. Moved forward before any item is deleted;
    /// <see cref="UtcMinute"/> of <see cref="long.MinValue"/> until item retention first runs.
    /// </summary>
    public UtcMinute Items => new(Volatile.Read(ref _items));

    public void AdvanceItems(UtcMinute horizon) => MoveForward(ref _items, horizon.Value);

    /// <summary>Raises <paramref name="slot"/> to <paramref name="value"/> unless it is already there or beyond (never back).</summary>
    private static void MoveForward(ref long slot, long value)
    {
        long current;
        while (value > (current = Volatile.Read(ref slot)))
            if (Interlocked.CompareExchange(ref slot, value, current) == current) return;
    }

    /// <summary>Moves the horizon a stored row names (a granularity, or <see cref="RawEventsCode"/>).</summary>
    public void AdvanceStored(int code, UtcMinute horizon)
    {
        if (code == RawEventsCode) AdvanceRawEvents(horizon);
        else if (code == ItemsCode) AdvanceItems(horizon);
        else Advance((Granularity)code, horizon);
    }

    /// <summary>True when some granularity has lost cells (so decompositions may need coarser cells).</summary>
    public bool Any
    {
        get
        {
            foreach (var g in Granularities.Stored)
                if (Of(g).Value != long.MinValue) return true;
            return false;
        }
    }
}
