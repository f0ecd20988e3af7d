using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IContactSettingsStore, IUserReader
{
    public ContactRecord UpsertContact(int teamId, string recipient, string? timeZone, int? quietStart, int? quietEnd, long nowMs,
        ContactAttributeChanges? attributes = null)
    {
        var a = attributes ?? ContactAttributeChanges.None;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.UpsertContact, ("$team", teamId), ("$recipient", recipient), ("$tz", timeZone),
            ("$start", quietStart), ("$end", quietEnd), ("$now", nowMs), ("$city", a.City), ("$tier", a.Tier), ("$signed_up", a.SignedUpAtMs),
            ("$set_city", a.SetCity ? 1 : 0), ("$set_tier", a.SetTier ? 1 : 0), ("$set_signed_up", a.SetSignedUp ? 1 : 0));
        using var r = cmd.ExecuteReader();
        r.Read();
        return ReadContact(r);
    }

    public ContactRecord? FindContact(int teamId, string recipient)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectContact, ("$team", teamId), ("$recipient", recipient));
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadContact(r) : null;
    }

    public IReadOnlyList<ContactRecord> ListContacts(int teamId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectContacts, ("$team", teamId));
        using var r = cmd.ExecuteReader();
        var list = new List<ContactRecord>();
        while (r.Read()) list.Add(ReadContact(r));
        return list;
    }

    public bool DeleteContact(int teamId, string recipient)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteContact, ("$team", teamId), ("$recipient", recipient)) > 0;
    }

    public ComplianceSettingsRecord? ComplianceSettings(int teamId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectComplianceSettings, ("$team", teamId));
        using var r = cmd.ExecuteReader();
        return r.Read() ? new ComplianceSettingsRecord(Text(r, 0), Int(r, 1), Int(r, 2), r.GetInt64(3)) : null;
    }

    public void SetComplianceSettings(int teamId, string? timeZone, int? quietStart, int? quietEnd, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpsertComplianceSettings, ("$team", teamId), ("$tz", timeZone), ("$start", quietStart), ("$end", quietEnd), ("$now", nowMs));
    }

    private static ContactRecord ReadContact(SqliteDataReader r) =>
        new(r.GetString(0), Text(r, 1), Int(r, 2), Int(r, 3), r.GetInt64(4), r.GetInt64(5), Text(r, 6), Text(r, 7), Long(r, 8));

    public long[] CountUsersByJoin(int teamId, IReadOnlyList<long> cutoffsMs)
    {
        var counts = new long[cutoffsMs.Count + 1];
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountUsersByJoin, ("$team", teamId), ("$cuts", JsonSerializer.Serialize(cutoffsMs)));
        using var r = cmd.ExecuteReader();
        while (r.Read()) counts[r.GetInt32(0)] += r.GetInt64(1);
        return counts;
    }

    public (long? FirstItemAtMs, long? ContactCreatedAtMs, long? SignedUpAtMs) UserJoin(int teamId, string recipient)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectUserJoin, ("$team", teamId), ("$recipient", recipient));
        using var r = cmd.ExecuteReader();
        r.Read();
        return (Long(r, 0), Long(r, 1), Long(r, 2));
    }

    public IReadOnlyDictionary<string, long> CountContactsBy(int teamId, bool byTier)
    {
        using var c = Open();
        using var cmd = Command(c, byTier ? SqliteSql.CountContactsByTier : SqliteSql.CountContactsByCity, ("$team", teamId));
        using var r = cmd.ExecuteReader();
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        while (r.Read()) counts[r.GetString(0)] = r.GetInt64(1);
        return counts;
    }

}
