using Herald.Domain;
using Herald.Engine;

namespace Herald.Dashboard;

/// <summary>One accepted event as the live activity feed shows it.</summary>
public readonly record struct ActivityEntry(long Seq, int TeamId, long ReceivedAtMs, IncomingEvent Event);

/// <summary>
/// A small ring of recently accepted events for the live activity feed, fed by the ingest writer after each
/// committed group. The writer's cost is one short lock per group and a bounded sample of each request: at most
/// <see cref="PerBatch"/> accepted events (its last ones), stored as references to the already parsed events in a
/// preallocated array, so nothing is allocated per event. Readers copy what is newer than the last sequence they saw.
/// </summary>
public sealed class LiveActivity : IIngestObserver
{
    public const int Capacity = 1024;
    public const int PerBatch = 16;

    private readonly ActivityEntry[] _ring = new ActivityEntry[Capacity];
    private readonly Lock _lock = new();
    private long _next = 1; // the sequence number the next entry gets
    private readonly TimeProvider _time;

    public LiveActivity(TimeProvider time) => _time = time;

    /// <summary>The sequence number of the newest entry (0 when none yet).</summary>
    public long LastSeq
    {
        get
        {
            lock (_lock) return _next - 1;
        }
    }

    /// <summary>Called by the writer once the group's transaction committed.</summary>
    public void OnCommitted(IReadOnlyList<IngestBatch> batches)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            foreach (var batch in batches)
            {
                var events = batch.Events;
                var outcomes = batch.Outcomes;
                // The last accepted events of the request, oldest first.
                int taken = 0, start = events.Length;
                while (start > 0 && taken < PerBatch)
                {
                    start--;
                    if (outcomes[start].Kind == EventOutcomeKind.Accepted) taken++;
                }
                for (int i = start; i < events.Length; i++)
                {
                    if (outcomes[i].Kind != EventOutcomeKind.Accepted) continue;
                    long seq = _next++;
                    _ring[seq % Capacity] = new ActivityEntry(seq, batch.TeamId, now, events[i]);
                }
            }
        }
    }

    /// <summary>Copies the entries newer than <paramref name="afterSeq"/> (the oldest may have been overwritten) into <paramref name="into"/>; answers the newest sequence.</summary>
    public long CopySince(long afterSeq, List<ActivityEntry> into)
    {
        lock (_lock)
        {
            long last = _next - 1;
            long first = Math.Max(afterSeq + 1, last - Capacity + 1);
            for (long s = Math.Max(first, 1); s <= last; s++) into.Add(_ring[s % Capacity]);
            return last;
        }
    }
}
