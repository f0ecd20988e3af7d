using System.Text.Json;
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

    public long CountItemsInRanges(int teamId, IReadOnlyCollection<string> recipients, IReadOnlyList<(long From, long To)> ranges,
        IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip)
    {
        if (recipients.Count == 0 || ranges.Count == 0) return 0;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountItemsOfRecipientsInRanges, RangeParameters(teamId, recipients, ranges, inboundSets, skip));
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public IReadOnlyList<ContactItem> ItemsInRanges(int teamId, IReadOnlyCollection<string> recipients, IReadOnlyList<(long From, long To)> ranges,
        IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip, int limit)
    {
        var list = new List<ContactItem>();
        if (recipients.Count == 0 || ranges.Count == 0 || limit <= 0) return list;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectItemsOfRecipientsInRanges, [.. RangeParameters(teamId, recipients, ranges, inboundSets, skip), ("$limit", limit)]);
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add(new ContactItem(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt32(3)));
        return list;
    }

    private static (string, object?)[] RangeParameters(int teamId, IReadOnlyCollection<string> recipients, IReadOnlyList<(long From, long To)> ranges,
        IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip)
    {
        var pairs = new long[ranges.Count][];
        for (int i = 0; i < pairs.Length; i++) pairs[i] = [ranges[i].From, ranges[i].To];
        return [("$team", teamId), ("$recipients", JsonSerializer.Serialize(recipients)), ("$ranges", JsonSerializer.Serialize(pairs)),
            ("$inbound", JsonSerializer.Serialize(inboundSets)), ("$skip", JsonSerializer.Serialize(skip))];
    }

    /// <summary>
    /// Item ids grow with creation: bisects for the first item created an hour before <paramref name="fromMs"/> and the
    /// first created an hour after <paramref name="toMs"/>, then reads that rowid range only.
    /// </summary>
    public IReadOnlyList<ItemRecord> SampleItems(int teamId, long fromMs, long toMs, int limit)
    {
        using var c = Open();
        long max;
        using (var m = Command(c, SqliteSql.SelectMaxStoredItemId)) max = Convert.ToInt64(m.ExecuteScalar());
        long lo = FirstItemFrom(c, fromMs - 3_600_000, max), hi = FirstItemFrom(c, toMs + 3_600_000, max);
        using var cmd = Command(c, SqliteSql.SelectItemsInIdRange, ("$min", lo), ("$max", hi), ("$team", teamId), ("$from", fromMs),
            ("$to", toMs), ("$limit", limit));
        using var r = cmd.ExecuteReader();
        var items = new List<ItemRecord>();
        while (r.Read()) items.Add(ReadItem(r));
        return items;
    }

    private static ContactRecord ReadContact(SqliteDataReader r) =>
        new(r.GetString(0), Text(r, 1), Int(r, 2), Int(r, 3), r.GetInt64(4), r.GetInt64(5));

}
