using System.Diagnostics;
using Herald.Storage;

namespace Herald.Monitoring;

/// <summary>One probe of the store: whether a new connection opened and read it, why not, and how long it took.</summary>
public sealed record StoreProbeResult(bool Ok, string Description, double DurationMs, DateTimeOffset At);

/// <summary>
/// The store's health probe (<see cref="IStoreProbe.Ping"/>: a new connection that opens and reads the store within its
/// timeout) and the outcomes of the last hour, per minute: what <c>/healthz</c> answers and what the
/// <c>store_probe_failures</c> alert metric counts. The health check probes on every <c>/healthz</c>; alert evaluation
/// probes once per cycle, so failures are seen even when nobody asks.
/// </summary>
public sealed class StoreHealth(IStoreProbe store, TimeProvider time)
{
    public const int WindowMinutes = 60;

    private readonly (long Minute, long Probes, long Failures)[] _minutes = new (long, long, long)[WindowMinutes];
    private readonly Lock _lock = new();

    public StoreProbeResult? Last { get; private set; }

    public StoreProbeResult Probe()
    {
        long start = Stopwatch.GetTimestamp();
        bool ok;
        string description;
        try
        {
            ok = store.Ping();
            description = ok ? $"the {store.Provider} store answers" : $"the {store.Provider} store gave a wrong answer";
        }
        catch (Exception e)
        {
            // The message names the failure (locked, missing, full) without the data directory's path.
            ok = false;
            description = $"the {store.Provider} store does not answer: {e.GetType().Name}";
        }
        var now = time.GetUtcNow();
        var result = new StoreProbeResult(ok, description, Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds, 3), now);
        long minute = now.ToUnixTimeMilliseconds() / 60_000;
        lock (_lock)
        {
            ref var slot = ref _minutes[minute % WindowMinutes];
            if (slot.Minute != minute) slot = (minute, 0, 0);
            slot.Probes++;
            if (!ok) slot.Failures++;
            Last = result;
        }
        return result;
    }

    /// <summary>Probes and failed probes of the last <paramref name="minutes"/> minutes, the current one included (at most an hour).</summary>
    public (long Probes, long Failures) Window(int minutes)
    {
        minutes = Math.Clamp(minutes, 1, WindowMinutes);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000;
        long probes = 0, failures = 0;
        lock (_lock)
            foreach (var (minute, p, f) in _minutes)
                if (minute > now - minutes && minute <= now)
                {
                    probes += p;
                    failures += f;
                }
        return (probes, failures);
    }
}
