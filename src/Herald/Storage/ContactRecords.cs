namespace Herald.Storage;

/// <summary>
/// A contact's own compliance settings: its IANA time zone and quiet hours (local minutes of the day, start inclusive,
/// end exclusive; a window with start after end runs over midnight). Null fields take the team's. Its attributes (city,
/// tier, sign-up time) are optional and describe the person for user demographics.
/// </summary>
public sealed record ContactRecord(
    string Recipient, string? TimeZone, int? QuietStart, int? QuietEnd, long CreatedAtMs, long UpdatedAtMs,
    string? City = null, string? Tier = null, long? SignedUpAtMs = null)
{
    /// <summary>Whether the contact has a time zone or quiet hours of its own (else the team's apply).</summary>
    public bool HasOwnSettings => TimeZone is not null || QuietStart is not null;
}

/// <summary>What a request changes of a contact's attributes: a field it named is set (null clears it); the others keep their value.</summary>
public sealed record ContactAttributeChanges(bool SetCity, string? City, bool SetTier, string? Tier, bool SetSignedUp, long? SignedUpAtMs)
{
    public static readonly ContactAttributeChanges None = new(false, null, false, null, false, null);
}

/// <summary>A team's defaults for contacts without their own: time zone (null = UTC) and quiet hours (null = none).</summary>
public sealed record ComplianceSettingsRecord(string? TimeZone, int? QuietStart, int? QuietEnd, long UpdatedAtMs);

public interface IContactSettingsStore
{
    ContactRecord UpsertContact(int teamId, string recipient, string? timeZone, int? quietStart, int? quietEnd, long nowMs,
        ContactAttributeChanges? attributes = null);
    ContactRecord? FindContact(int teamId, string recipient);
    IReadOnlyList<ContactRecord> ListContacts(int teamId);
    /// <summary>Forgets the contact's own settings; a contact with attributes keeps its row and them. False when it had no settings.</summary>
    bool DeleteContact(int teamId, string recipient);
    ComplianceSettingsRecord? ComplianceSettings(int teamId);
    void SetComplianceSettings(int teamId, string? timeZone, int? quietStart, int? quietEnd, long nowMs);
}

/// <summary>
/// A team's users: the distinct recipients of its items and its contact records, each with the time it joined (its
/// <c>signed_up_at</c>, else the earliest of its first item and its contact record's creation).
/// </summary>
public interface IUserReader
{
    /// <summary>
    /// Stored users by when they joined, against ascending <paramref name="cutoffsMs"/>: element 0 joined before the first
    /// cutoff, element i in [cutoff i-1, cutoff i), the last at or after the last cutoff.
    /// </summary>
    long[] CountUsersByJoin(int teamId, IReadOnlyList<long> cutoffsMs);

    /// <summary>One recipient's stored joining facts: its first stored item, its contact record's creation and sign-up time.</summary>
    (long? FirstItemAtMs, long? ContactCreatedAtMs, long? SignedUpAtMs) UserJoin(int teamId, string recipient);

    /// <summary>Contact records per city (<paramref name="byTier"/> false) or per tier, those without one left out.</summary>
    IReadOnlyDictionary<string, long> CountContactsBy(int teamId, bool byTier);
}
