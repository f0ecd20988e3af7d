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

/// <summary>Contacts counted from stored items: how many, and how many were first seen in a period.</summary>
public readonly record struct StoredContactCount(long Total, long New);

/// <summary>The stored contacts of a team, and of each account with items.</summary>
public sealed record StoredContacts(StoredContactCount Team, IReadOnlyDictionary<string, StoredContactCount> ByAccount);

/// <summary>Stores analytics snapshots and reads what they need beyond the rollups.</summary>
public interface ISnapshotStore
{
    /// <summary>Inserts or replaces (same team, type, date and account) every snapshot, in one transaction.</summary>
    void UpsertSnapshots(IReadOnlyList<SnapshotRecord> snapshots);

    /// <summary>
    /// The team's snapshots of a type in [fromDate, toDate], by date then account (team-wide first); with <paramref name="after"/>,
    /// only those after that (date, account or "") key.
    /// </summary>
    IReadOnlyList<SnapshotRecord> ListSnapshots(
        int teamId, string type, string fromDate, string toDate, SnapshotAccountFilter filter, string? account, int limit, (string Date, string Account)? after = null);

    /// <summary>The team's stored message items with a recipient whose earliest event is in [fromMs, toMs).</summary>
    void ReadRecipientItems(int teamId, long fromMs, long toMs, Action<RecipientItem> visit);

    /// <summary>
    /// The distinct recipients of the team's stored items (any kind) whose earliest event is before <paramref name="toMs"/>,
    /// team-wide and per account, and how many of them have their first such item at or after <paramref name="fromMs"/>.
    /// </summary>
    StoredContacts CountContacts(int teamId, long fromMs, long toMs);

    /// <summary>The earliest event of a recipient's first stored item before <paramref name="toMs"/> (of the account, when named); null for none.</summary>
    long? FirstContact(int teamId, string recipient, string? account, long toMs);

    /// <summary>The recipients whose last consent change before <paramref name="toMs"/> left them opted out or stopped.</summary>
    IReadOnlyList<string> BlockedRecipients(int teamId, long toMs);

    /// <summary>The accounts of the recipients' stored items before <paramref name="toMs"/>: one (account, recipient) pair each.</summary>
    IReadOnlyList<(string Account, string Recipient)> AccountsOfRecipients(int teamId, IReadOnlyCollection<string> recipients, long toMs);
}
