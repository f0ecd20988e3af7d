using Herald.Domain;

namespace Herald.Analytics;

/// <summary>
/// Per stored granularity, the first bucket from which its rollup cells are complete: the retention job deletes cells
/// only before a horizon, and moves the horizon forward before it deletes. A horizon is aligned to the next coarser
/// granularity (minute horizons fall on whole hours, hour horizons on whole days, day horizons on whole months), so
/// every cell piece of a decomposed window lies wholly before or wholly after its horizon. Until the job has run,
/// every horizon is <see cref="UtcMinute"/> of <see cref="long.MinValue"/>: nothing is missing, queries are exact.
/// </summary>
public sealed class RetentionHorizons
{
    private readonly long[] _horizons = new long[(int)Granularity.Week + 1];

    public RetentionHorizons()
    {
        Array.Fill(_horizons, long.MinValue);
    }

    public UtcMinute Of(Granularity g) => new(Volatile.Read(ref _horizons[(int)g]));

    /// <summary>Moves a horizon forward (never back).</summary>
    public void Advance(Granularity g, UtcMinute horizon)
    {
        long current;
        while (horizon.Value > (current = Volatile.Read(ref _horizons[(int)g])))
            if (Interlocked.CompareExchange(ref _horizons[(int)g], horizon.Value, current) == current) return;
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
