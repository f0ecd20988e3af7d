namespace Herald.Storage;

/// <summary>
/// One stored analytics snapshot (seed 002): a team's metrics, or one account's (<see cref="Account"/> not null), for
/// the period of <see cref="Type"/> starting on <see cref="Date"/> (yyyy-MM-dd, UTC). <see cref="MetricsJson"/> is the
/// metrics object as JSON text.
/// </summary>
public sealed record SnapshotRecord(
    int TeamId, string? Account, string Date, string Type, long PeriodStartMs, long PeriodEndMs, string MetricsJson, long CreatedAtMs,
    long UpdatedAtMs);

/// <summary>Which accounts' snapshots a listing returns.</summary>
public enum SnapshotAccountFilter
{
    /// <summary>The team-wide snapshots only (account null).</summary>
    TeamOnly = 0,
    /// <summary>One account's snapshots.</summary>
    Account = 1,
    /// <summary>Every snapshot: team-wide and each account's.</summary>
    All = 2,
}

/// <summary>A message item as the snapshot's contact and conversation figures need it.</summary>
public readonly record struct RecipientItem(string ItemId, string Recipient, long EarliestAtMs, int Status, int DimensionSetId);

/// <summary>Stores analytics snapshots and reads what they need beyond the rollups.</summary>
public interface ISnapshotStore
{
    /// <summary>Inserts or replaces (same team, type, date and account) every snapshot, in one transaction.</summary>
    void UpsertSnapshots(IReadOnlyList<SnapshotRecord> snapshots);

    IReadOnlyList<SnapshotRecord> ListSnapshots(
        int teamId, string type, string fromDate, string toDate, SnapshotAccountFilter filter, string? account, int limit);

    /// <summary>The team's stored message items with a recipient whose earliest event is in [fromMs, toMs).</summary>
    void ReadRecipientItems(int teamId, long fromMs, long toMs, Action<RecipientItem> visit);
}
