namespace Herald.Storage;

/// <summary>An item as stored (or as the writer holds it until its next flush), for the item endpoints and item search.</summary>
public sealed record ItemRecord(
    long Id,
    int TeamId,
    string ItemId,
    int Kind,
    int Status,
    long StatusAtMs,
    long EarliestAtMs,
    long? FirstSentAtMs,
    long? FirstSuccessAtMs,
    int DimensionSetId,
    string? Recipient,
    double Cost,
    int EventCount,
    string? ErrorCode = null)
{
    /// <summary>Delivery latency in ms: first success (or beyond) minus first sent, else minus earliest event; null when not delivered.</summary>
    public long? LatencyMs => Latency(EarliestAtMs, FirstSentAtMs, FirstSuccessAtMs);

    public static long? Latency(long earliestAtMs, long? firstSentAtMs, long? firstSuccessAtMs) =>
        firstSuccessAtMs is { } success ? Math.Max(0, success - (firstSentAtMs ?? earliestAtMs)) : null;
}

/// <summary>A raw event as stored.</summary>
public sealed record EventRecord(
    long Id,
    string? EventId,
    int Status,
    long OccurredAtMs,
    long ReceivedAtMs,
    int DimensionSetId,
    string? Recipient,
    string? ErrorCode,
    string? ErrorMessage,
    double? Cost,
    int? Attempt,
    string? Text,
    string? MetadataJson);

public interface IItemReader
{
    /// <summary>Items with this id in the given teams (one per team at most).</summary>
    IReadOnlyList<ItemRecord> FindItems(IReadOnlyList<int> teamIds, string itemId);
    IReadOnlyList<EventRecord> EventsOf(long itemRef);
    IReadOnlyList<ItemRecord> RecipientHistory(int teamId, string recipient, int limit);
    /// <summary>A team's stored items whose earliest event is at or after <paramref name="sinceMs"/> (items created in the last hours).</summary>
    IReadOnlyList<ItemRecord> RecentItems(int teamId, long sinceMs);
}
