namespace Herald.Storage;

/// <summary>
/// Failing events of one team counted per (item dimension set, status, error code, window half). <paramref name="ItemRef"/> is
/// 0 when the row aggregates events of stored items (their dimension set is the stored item's); else it is the id of the
/// one item whose events it counts, because that item has pending state or no stored row yet (and
/// <paramref name="DimensionSetId"/> is then the stored item's set or, without a row, the event's own).
/// </summary>
public readonly record struct FailureCountRow(long ItemRef, int DimensionSetId, int Status, string? ErrorCode, bool Current, long Count);

/// <summary>Reads failing events for the failure analysis (see <c>Herald.Analytics.Failures.FailureAnalysis</c>).</summary>
public interface IFailureReader
{
    /// <summary>
    /// Pins a read snapshot of the store now: every read through it sees the store as it is at this call, whatever the
    /// writer commits or flushes meanwhile. Take it under the pending overlay's read lock, copy the overlay, release the
    /// lock, then scan: the scan does not hold up the writer, and overlay and store still match.
    /// </summary>
    IFailureSnapshot OpenFailureSnapshot();
}

public interface IFailureSnapshot : IDisposable
{
    /// <summary>
    /// Visits the counts of the team's events with occurred_at in [<paramref name="fromMs"/>, <paramref name="toMs"/>) that
    /// carry an error code or have a failure status of some kind; <c>Current</c> tells occurred_at &gt;= <paramref name="midMs"/>.
    /// Events of <paramref name="pendingItemRefs"/> (and of items without a stored row) come one row per item (ItemRef set).
    /// </summary>
    void ReadFailureCounts(int teamId, long fromMs, long midMs, long toMs, IReadOnlyCollection<long> pendingItemRefs, Action<FailureCountRow> visit);
}
