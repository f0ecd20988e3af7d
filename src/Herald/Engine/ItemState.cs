using Herald.Domain;

namespace Herald.Engine;

/// <summary>
/// Everything Herald keeps about one tracked item between events: enough to know, for any new event,
/// what the item contributed to rollups before and what it contributes after.
/// </summary>
public sealed class ItemState
{
    public const long None = long.MaxValue;

    public long Id { get; init; }
    public int TeamId { get; init; }
    public required string ItemId { get; init; }
    public ItemKind Kind { get; set; }
    public Status Status { get; set; }
    public long StatusAtMs { get; set; }
    public long EarliestAtMs { get; set; } = None;
    public long FirstSentAtMs { get; set; } = None;
    public long FirstSuccessAtMs { get; set; } = None;
    public DimensionTuple Dimensions { get; set; }
    public int DimensionSetId { get; set; }
    public string? Recipient { get; set; }
    public double Cost { get; set; }
    public int EventCount { get; set; }
    /// <summary>The error code of the event that gave the item its current status (null when that event carried none).</summary>
    public string? ErrorCode { get; set; }
    public long LastEventReceivedAtMs { get; set; }

    /// <summary>Minutes in which the item's events occurred, with counts: each entry is (minute &lt;&lt; 16) | count.</summary>
    public EventMinutes Minutes { get; } = new();

    /// <summary>Whether the store already has a row for this item (insert or update on save).</summary>
    public bool IsPersisted { get; set; }
    /// <summary>
    /// The earliest event, dimension set or recipient changed since the stored row was written: only then does the flush
    /// rewrite the item's index entries (most events change its status alone).
    /// </summary>
    public bool IndexedColumnsChanged { get; set; }
    /// <summary>Changed since the last flush: the cache must not drop it, the flush must write it.</summary>
    public bool IsDirty { get; set; }
    /// <summary>The writer pass (batch or recovery) that last touched the item.</summary>
    public long LastTouchedPass { get; set; }

    public Outcome Outcome => StatusLattice.OutcomeOf(Kind, Status);

    /// <summary>Delivery latency in ms: first success (or beyond) minus first sent, else minus earliest event; null when not delivered.</summary>
    public long? LatencyMs
    {
        get
        {
            if (FirstSuccessAtMs == None) return null;
            long start = FirstSentAtMs != None ? FirstSentAtMs : EarliestAtMs;
            return Math.Max(0, FirstSuccessAtMs - start);
        }
    }

    public Storage.ItemRecord ToRecord() => new(
        Id, TeamId, ItemId, (int)Kind, (int)Status, StatusAtMs, EarliestAtMs,
        FirstSentAtMs == None ? null : FirstSentAtMs, FirstSuccessAtMs == None ? null : FirstSuccessAtMs,
        DimensionSetId, Recipient, Cost, EventCount, ErrorCode);

    public Contribution Contribution() => new(DimensionSetId, UtcMinute.FromUnixMillis(EarliestAtMs), Status, Cost, LatencyMs);
}

/// <summary>What an item adds to its cohort cell: one item of its current status, its cost and its latency.</summary>
public readonly record struct Contribution(int DimensionSetId, UtcMinute Cohort, Status Status, double Cost, long? LatencyMs);

/// <summary>A compact multiset of event minutes (most items have a handful of events).</summary>
public sealed class EventMinutes
{
    private long[] _entries = [];
    private int _length;

    public int Length => _length;
    public UtcMinute MinuteAt(int i) => new(_entries[i] >> 16);
    public int CountAt(int i) => (int)(_entries[i] & 0xFFFF);

    public void Add(UtcMinute minute)
    {
        for (int i = _length - 1; i >= 0; i--)
        {
            if (_entries[i] >> 16 == minute.Value && (_entries[i] & 0xFFFF) < 0xFFFF)
            {
                _entries[i]++;
                return;
            }
        }
        if (_length == _entries.Length) Array.Resize(ref _entries, Math.Max(4, _length * 2));
        _entries[_length++] = (minute.Value << 16) | 1;
    }

    public byte[] Encode()
    {
        var bytes = new byte[_length * 8];
        for (int i = 0; i < _length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), _entries[i]);
        return bytes;
    }

    public void Load(ReadOnlySpan<byte> bytes)
    {
        _length = bytes.Length / 8;
        _entries = new long[Math.Max(4, _length)];
        for (int i = 0; i < _length; i++) _entries[i] = BitConverter.ToInt64(bytes.Slice(i * 8, 8));
    }
}
