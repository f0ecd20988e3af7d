using Herald.Domain;
using Herald.Engine;

namespace Herald.Storage;

/// <summary>The storage the ingestion pipeline writes through: one transaction per batch.</summary>
public interface IEngineStore
{
    /// <summary>Every stored item key, to seed the writer's presence filter at start.</summary>
    void ForEachItemKey(Action<int, string> visit);

    IWriteSession BeginWrite();
    IReadOnlyList<(int Id, DimensionTuple Tuple)> LoadDimensionSets();

    /// <summary>The last event whose effects the stored items and rollups include.</summary>
    long ReadCheckpoint();

    /// <summary>Raw events after the checkpoint, in the order they were accepted: what recovery replays.</summary>
    void ForEachEventAfter(long eventId, Action<StoredEvent> visit);
}

/// <summary>A raw event as the writer stored it, enough to apply it again.</summary>
public sealed record StoredEvent(
    long Id, int TeamId, long ItemRef, string DedupeKey, int Status, long OccurredAtMs, long ReceivedAtMs, int DimensionSetId,
    string? Recipient, string? ErrorCode, string? ErrorMessage, double? Cost, int? Attempt, string? Text, string? MetadataJson,
    string? NewItemId);

/// <summary>A stored event of an item that may count as a failure (whether it does depends on the item's kind).</summary>
public readonly record struct FailureCandidate(long OccurredAtMs, Status Status, string? ErrorCode);

/// <summary>One write transaction. Nothing is visible to readers until <see cref="Commit"/>.</summary>
public interface IWriteSession : IDisposable
{
    long AllocateItemId();

    /// <summary>
    /// Called with a transaction's batches before their events are appended, so a store that sends events in bulk can
    /// look up at once which of their ids it already holds. A store that checks each append as it goes ignores it.
    /// </summary>
    void PrepareAppends(IReadOnlyList<IngestBatch> batches)
    {
    }

    ItemState? LoadItem(int teamId, string itemId);
    ItemState? LoadItem(long id);

    /// <summary>Whether item retention deleted this item (its later events are refused). A store without item retention has none.</summary>
    bool IsPurgedItem(int teamId, string itemId) => false;

    /// <summary>
    /// Appends a raw event; false when its dedupe key is already stored (a duplicate). The event that creates
    /// an item carries the item's id (<paramref name="newItemId"/>), so recovery can rebuild items not yet flushed.
    /// </summary>
    bool AppendEvent(int teamId, long itemRef, string dedupeKey, int eventDimensionSetId, long receivedAtMs, IncomingEvent e, string? newItemId);

    /// <summary>
    /// Records the consent keyword of the event <see cref="AppendEvent"/> just stored (state code of
    /// <see cref="Herald.Engine.ConsentKeywords"/>), in the same transaction.
    /// </summary>
    void RecordConsent(int teamId, string recipient, long occurredAtMs, int state, string keyword);

    /// <summary>Records that stored items and rollups include every event up to <paramref name="eventId"/>.</summary>
    void SetCheckpoint(long eventId);
    long MaxEventId();

    void SaveItem(ItemState item);
    /// <summary>Adds an encoded delta to a cell (creating it), merged by the store itself.</summary>
    void MergeCell(CellKey key, byte[] delta);
    /// <summary>Adds a signed count to a failure cell (creating it).</summary>
    void MergeFailureCell(FailureCellKey key, long failures);
    /// <summary>
    /// Replaces the contents of <paramref name="into"/> with the stored events of an item with id up to
    /// <paramref name="upToEventId"/> that may be failures (an error code, or a status that is a failure for some kind).
    /// </summary>
    void LoadFailureCandidatesOfItem(long itemRef, long upToEventId, List<FailureCandidate> into);
    int InsertDimensionSet(DimensionTuple tuple);
    void EnsureAccount(int teamId, string account);
    void Commit();
}

/// <summary>Reads rollup cells for the analytics engine.</summary>
public interface IRollupReader
{
    /// <summary>
    /// Calls <paramref name="visit"/> for every cell of the team at <paramref name="g"/> with bucket in [from, to);
    /// when <paramref name="onlySets"/> is given, only for those dimension sets (the store filters, not the caller).
    /// </summary>
    void ReadCells(int teamId, Granularity g, UtcMinute from, UtcMinute to, CellVisitor visit, IReadOnlyCollection<int>? onlySets = null);
}

public delegate void CellVisitor(UtcMinute bucket, int dimensionSetId, ReadOnlySpan<byte> data);
