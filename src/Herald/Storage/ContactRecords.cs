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

}
