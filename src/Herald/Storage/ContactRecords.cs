namespace Herald.Storage;

/// <summary>
/// A contact's own compliance settings: its IANA time zone and quiet hours (local minutes of the day, start inclusive,
/// end exclusive; a window with start after end runs over midnight). Null fields take the team's.
/// </summary>
public sealed record ContactRecord(string Recipient, string? TimeZone, int? QuietStart, int? QuietEnd, long CreatedAtMs, long UpdatedAtMs);

/// <summary>A team's defaults for contacts without their own: time zone (null = UTC) and quiet hours (null = none).</summary>
public sealed record ComplianceSettingsRecord(string? TimeZone, int? QuietStart, int? QuietEnd, long UpdatedAtMs);

public interface IContactSettingsStore
{
    ContactRecord UpsertContact(int teamId, string recipient, string? timeZone, int? quietStart, int? quietEnd, long nowMs);
    ContactRecord? FindContact(int teamId, string recipient);
    IReadOnlyList<ContactRecord> ListContacts(int teamId);
    bool DeleteContact(int teamId, string recipient);
    ComplianceSettingsRecord? ComplianceSettings(int teamId);
    void SetComplianceSettings(int teamId, string? timeZone, int? quietStart, int? quietEnd, long nowMs);

    /// <summary>
    /// Stored items of the recipients whose earliest event falls in one of the UTC ranges (ms), leaving out items of
    /// <paramref name="inboundSets"/> and the rows <paramref name="skip"/> names.
    /// </summary>
    long CountItemsInRanges(int teamId, IReadOnlyCollection<string> recipients, IReadOnlyList<(long From, long To)> ranges,
        IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip);

    /// <summary>Up to <paramref name="limit"/> of the items <see cref="CountItemsInRanges"/> counts.</summary>
    IReadOnlyList<ContactItem> ItemsInRanges(int teamId, IReadOnlyCollection<string> recipients, IReadOnlyList<(long From, long To)> ranges,
        IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip, int limit);

    /// <summary>Up to <paramref name="limit"/> stored items of the team whose earliest event is in [from, to), for examples.</summary>
    IReadOnlyList<ItemRecord> SampleItems(int teamId, long fromMs, long toMs, int limit);
}
