using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IContactReader, IContactSettingsStore
{
    public long CountRecipients(int teamId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountRecipients, ("$team", teamId));
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public bool RecipientKnown(int teamId, string recipient)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.RecipientKnown, ("$team", teamId), ("$recipient", recipient));
        return Convert.ToInt64(cmd.ExecuteScalar()) != 0;
    }

    public ContactRecord UpsertContact(int teamId, string recipient, string? timeZone, int? quietStart, int? quietEnd, long nowMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.UpsertContact, ("$team", teamId), ("$recipient", recipient), ("$tz", timeZone),
            ("$start", quietStart), ("$end", quietEnd), ("$now", nowMs));
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
        new(r.GetString(0), Text(r, 1), Int(r, 2), Int(r, 3), r.GetInt64(4), r.GetInt64(5));

}
