namespace Herald.Storage;

/// <summary>
/// Where an item stands in a search: by its earliest event, then by its ref (unique, given when the item is created).
/// Searches list items newest first, so "before" a position means an earlier earliest event, or the same and a lower ref.
/// </summary>
public readonly record struct ItemPosition(long EarliestAtMs, long Id) : IComparable<ItemPosition>
{
    public int CompareTo(ItemPosition other) =>
        EarliestAtMs != other.EarliestAtMs ? EarliestAtMs.CompareTo(other.EarliestAtMs) : Id.CompareTo(other.Id);

    public static ItemPosition Of(ItemRecord item) => new(item.EarliestAtMs, item.Id);

    public static bool operator <(ItemPosition a, ItemPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(ItemPosition a, ItemPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(ItemPosition a, ItemPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ItemPosition a, ItemPosition b) => a.CompareTo(b) >= 0;
}

/// <summary>
/// What one team's stored items must match: earliest event in [<see cref="FromMs"/>, <see cref="ToMs"/>), before
/// <see cref="Before"/> and not before <see cref="NotBefore"/> when given, and each set that is given (a null set matches
/// everything).
/// </summary>
public sealed record StoredItemFilter(
    long FromMs,
    long ToMs,
    ItemPosition? Before = null,
    IReadOnlyCollection<int>? DimensionSets = null,
    IReadOnlyCollection<int>? Statuses = null,
    IReadOnlyCollection<string>? Recipients = null,
    IReadOnlyCollection<string>? ErrorCodes = null,
    ItemPosition? NotBefore = null);

/// <summary>Reads stored items for item search (see <c>Herald.Analytics.Items.ItemSearch</c>).</summary>
public interface IItemSearchReader
{
    /// <summary>
    /// Pins a read snapshot of the store now: every read through it sees the stored items as they are at this call, whatever
    /// the writer flushes meanwhile. Take it under the pending overlay's read lock, copy the overlay, then release the lock.
    /// </summary>
    IItemSnapshot OpenItemSnapshot();

    /// <summary>
    /// <paramref name="count"/> snapshots that all read the store as it is at this call, each on its own connection, so that
    /// several threads can read one search's parts at the same point. Take them as <see cref="OpenItemSnapshot"/>.
    /// </summary>
    IReadOnlyList<IItemSnapshot> OpenItemSnapshots(int count);
}

/// <summary>
/// One item's stored columns read in place, for listings too long to make an object of each row (exports): text is the
/// store's UTF-8 bytes (<see cref="HasRecipient"/> and <see cref="HasErrorCode"/> tell NULL from empty text), valid until
/// the cursor that gave it moves.
/// </summary>
public readonly ref struct ItemFields
{
    public required long Id { get; init; }
    public required int TeamId { get; init; }
    public required ReadOnlySpan<byte> ItemId { get; init; }
    public required int Kind { get; init; }
    public required int Status { get; init; }
    public required long StatusAtMs { get; init; }
    public required long EarliestAtMs { get; init; }
    public required long? FirstSentAtMs { get; init; }
    public required long? FirstSuccessAtMs { get; init; }
    public required int DimensionSetId { get; init; }
    public required bool HasRecipient { get; init; }
    public required ReadOnlySpan<byte> Recipient { get; init; }
    public required double Cost { get; init; }
    public required int EventCount { get; init; }
    public required bool HasErrorCode { get; init; }
    public required ReadOnlySpan<byte> ErrorCode { get; init; }

    public long? LatencyMs => ItemRecord.Latency(EarliestAtMs, FirstSentAtMs, FirstSuccessAtMs);

    /// <summary>An item held in memory (the writer's unflushed state) as fields: its text encoded anew.</summary>
    public static ItemFields Of(ItemRecord item) => new()
    {
        Id = item.Id, TeamId = item.TeamId, ItemId = System.Text.Encoding.UTF8.GetBytes(item.ItemId), Kind = item.Kind, Status = item.Status,
        StatusAtMs = item.StatusAtMs, EarliestAtMs = item.EarliestAtMs, FirstSentAtMs = item.FirstSentAtMs, FirstSuccessAtMs = item.FirstSuccessAtMs,
        DimensionSetId = item.DimensionSetId, HasRecipient = item.Recipient is not null,
        Recipient = item.Recipient is { } r ? System.Text.Encoding.UTF8.GetBytes(r) : default, Cost = item.Cost, EventCount = item.EventCount,
        HasErrorCode = item.ErrorCode is not null, ErrorCode = item.ErrorCode is { } e ? System.Text.Encoding.UTF8.GetBytes(e) : default,
    };
}

/// <summary>A team's stored items that match a filter, newest first, one row at a time, read in place (<see cref="ItemFields"/>).</summary>
public interface IStoredItemCursor : IDisposable
{
    /// <summary>Moves to the next item: false when there is none.</summary>
    bool Next();

    /// <summary>The current item's position.</summary>
    ItemPosition Position { get; }

    /// <summary>The current item's columns, valid until <see cref="Next"/>.</summary>
    ItemFields Current { get; }
}

public interface IItemSnapshot : IDisposable
{
    /// <summary>What <see cref="Items"/> lists, as a cursor over the rows in place: nothing is made of a row but what its reader reads.</summary>
    IStoredItemCursor Cursor(int teamId, StoredItemFilter filter);

    /// <summary>
    /// The team's stored items that match, newest first (<see cref="ItemPosition"/> descending), read from the store as the
    /// caller enumerates: a caller that stops early reads no further.
    /// </summary>
    IEnumerable<ItemRecord> Items(int teamId, StoredItemFilter filter);

    /// <summary>
    /// Positions that cut the team's stored items in the filter's window (its other sets ignored), newest first, into runs
    /// of <paramref name="every"/>: the position of every <paramref name="every"/>-th item, read from the index alone.
    /// </summary>
    IReadOnlyList<ItemPosition> Boundaries(int teamId, StoredItemFilter filter, int every);

    /// <summary>
    /// The team's stored items with earliest event in [<paramref name="fromMs"/>, <paramref name="toMs"/>) that have a
    /// recipient: their ref, recipient and dimension set only, read from the index by earliest event alone (no item row).
    /// </summary>
    IEnumerable<(long Id, string Recipient, int DimensionSetId)> Recipients(int teamId, long fromMs, long toMs);
}
