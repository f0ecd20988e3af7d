using Herald.Domain;

namespace Herald.Storage;

/// <summary>
/// One failing event: its item, the item's stored dimension set (-1 when the item has no stored row yet), status, error
/// code, and whether it falls in the current window half (occurred_at &gt;= mid).
/// </summary>
public readonly record struct FailingEventRow(long ItemRef, int StoredDimensionSetId, int Status, string? ErrorCode, bool Current);

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
    /// Visits the team's events with occurred_at in [<paramref name="fromMs"/>, <paramref name="toMs"/>) that carry an error
    /// code or have a failure status of some kind; <c>Current</c> tells occurred_at &gt;= <paramref name="midMs"/>.
    /// </summary>
    void ReadFailingEvents(int teamId, long fromMs, long midMs, long toMs, Action<FailingEventRow> visit);

    /// <summary>Whether the team has any event that <see cref="ReadFailingEvents"/> would visit in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    bool HasFailingEvents(int teamId, long fromMs, long toMs);

    /// <summary>
    /// Visits the team's stored failure cells of granularity <paramref name="g"/> with bucket in [<paramref name="from"/>,
    /// <paramref name="to"/>) that count: dimension set, error code (empty for none) and failures, one call per cell; when
    /// <paramref name="onlySets"/> is given, only cells of those dimension sets.
    /// </summary>
    void ReadFailureCells(int teamId, Granularity g, UtcMinute from, UtcMinute to, Action<int, string, long> visit, IReadOnlySet<int>? onlySets = null);
}
