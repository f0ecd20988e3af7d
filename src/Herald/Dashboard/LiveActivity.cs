using Herald.Domain;
using Herald.Engine;

namespace Herald.Dashboard;

/// <summary>One accepted event as the live activity feed shows it; <paramref name="CampaignStarted"/>: the first event of its campaign.</summary>
public readonly record struct ActivityEntry(long Seq, int TeamId, long ReceivedAtMs, IncomingEvent Event, bool CampaignStarted = false);

/// <summary>
/// A small ring of recently accepted events for the live activity feed, fed by the ingest writer after each
/// committed group. The writer's cost is one short lock per group and a bounded sample of each request: at most
/// <see cref="PerBatch"/> accepted events (its last ones), stored as references to the already parsed events in a
/// preallocated array, so nothing is allocated per event. Readers copy what is newer than the last sequence they saw.
/// A campaign's start is the commit that first named it: the writer interns a campaign's value once, the first time any
/// event of the team carries it, so a group after which the registry holds new ids is checked for new campaign values
/// (one integer read per group otherwise), and the first accepted event of each is added again as its campaign's start.
/// </summary>
public sealed class LiveActivity : IIngestObserver
{
    public const int Capacity = 1024;
    public const int PerBatch = 16;

    private readonly ActivityEntry[] _ring = new ActivityEntry[Capacity];
    private readonly Lock _lock = new();
    private long _next = 1; // the sequence number the next entry gets
    private readonly TimeProvider _time;
    private readonly DimensionRegistry _registry;
    private int _registryIdsSeen;

    public LiveActivity(TimeProvider time, DimensionRegistry registry)
    {
        _time = time;
        _registry = registry;
        _registryIdsSeen = registry.MaxId;
    }

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
            int newest = _registry.MaxId;
            if (newest != _registryIdsSeen)
            {
                AddCampaignStarts(batches, _registryIdsSeen, newest, now);
                _registryIdsSeen = newest;
            }
        }
    }

    /// <summary>For each campaign value interned with an id in (<paramref name="after"/>, <paramref name="upTo"/>]: its first accepted event.</summary>
    private void AddCampaignStarts(IReadOnlyList<IngestBatch> batches, int after, int upTo, long now)
    {
        for (int id = after + 1; id <= upTo; id++)
        {
            if (!_registry.TryGet(id, out var tuple) || tuple.Campaign is not { } campaign
                || tuple != Projections.ValueTuple(tuple.TeamId, Dimension.Campaign, campaign)) continue;
            var first = FirstAccepted(batches, tuple.TeamId, campaign);
            if (first is null) continue;
            long seq = _next++;
            _ring[seq % Capacity] = new ActivityEntry(seq, tuple.TeamId, now, first, CampaignStarted: true);
        }
    }

    private static IncomingEvent? FirstAccepted(IReadOnlyList<IngestBatch> batches, int teamId, string campaign)
    {
        foreach (var batch in batches)
        {
            if (batch.TeamId != teamId) continue;
            for (int i = 0; i < batch.Events.Length; i++)
                if (batch.Outcomes[i].Kind == EventOutcomeKind.Accepted && batch.Events[i].Campaign == campaign) return batch.Events[i];
        }
        return null;
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
