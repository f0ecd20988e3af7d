using System.Text;
using System.Text.Json;
using Herald.Engine;
using Herald.Storage.Encryption;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IConsentReader, IConsentStore
{
    public void ForEachConsentChange(int teamId, Action<string, long, int> visit)
    {
        using var c = Open();
        using var rows = new RawStatement(c, SqliteSql.SelectConsentChangesOfTeam);
        rows.Bind(1, (long)teamId);
        var recipients = new InternedCodes();
        while (rows.Step()) visit(recipients.Intern(rows.ColumnBlob(0)), rows.ColumnInt64(1), rows.ColumnInt(2));
    }

    public void ScanItemsByEarliest(int teamId, long fromMs, long toMs, ItemByEarliestVisitor visit)
    {
        using var c = Open();
        // SQLite's API straight: hundreds of thousands of index entries a day, each decoded onto the stack.
        using var rows = new RawStatement(c, SqliteSql.SelectItemsByEarliest);
        rows.Bind(1, (long)teamId);
        rows.Bind(2, fromMs);
        rows.Bind(3, toMs);
        Span<char> chars = stackalloc char[256];
        while (rows.Step())
        {
            long id = rows.ColumnInt64(0), at = rows.ColumnInt64(1);
            int dims = rows.ColumnInt(2);
            if (rows.ColumnIsNull(3))
            {
                visit(id, at, dims, false, default);
                continue;
            }
            var utf8 = rows.ColumnBlob(3);
            if (Encoding.UTF8.GetMaxCharCount(utf8.Length) <= chars.Length) visit(id, at, dims, true, chars[..Encoding.UTF8.GetChars(utf8, chars)]);
            else visit(id, at, dims, true, Encoding.UTF8.GetString(utf8));
        }
    }

    public IReadOnlyList<ConsentRow> ContactConsent(int teamId, string recipient, long untilMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectContactConsent, ("$team", teamId), ("$recipient", recipient), ("$until", untilMs));
        using var r = cmd.ExecuteReader();
        var rows = new List<ConsentRow>();
        while (r.Read())
        {
            string keyword = r.GetString(2);
            rows.Add(new ConsentRow(r.GetInt64(0), r.GetInt32(1), keyword.Length == 0 ? null : keyword, Text(r, 3)));
        }
        return rows;
    }

    public IReadOnlyDictionary<int, long> ConsentStates(int teamId, long toMs) =>
        CountsByCode(SqliteSql.SelectConsentStates, ("$team", teamId), ("$to", toMs));

    public IReadOnlyDictionary<int, long> ConsentChanges(int teamId, long fromMs, long toMs) =>
        CountsByCode(SqliteSql.SelectConsentChangesInWindow, ("$team", teamId), ("$from", fromMs), ("$to", toMs));

    public IReadOnlyDictionary<int, long> ConsentKeywordsReceived(int teamId, long fromMs, long toMs) =>
        CountsByCode(SqliteSql.SelectConsentKeywordsInWindow, ("$team", teamId), ("$from", fromMs), ("$to", toMs));

    public bool RecordConsent(int teamId, string recipient, long occurredAtMs, int state, string source)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.InsertRecordedConsentChange, ("$team", teamId), ("$recipient", recipient), ("$at", occurredAtMs),
            ("$state", state), ("$source", source)) == 1;
    }

    private Dictionary<int, long> CountsByCode(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var counts = new Dictionary<int, long>();
        while (r.Read()) counts[r.GetInt32(0)] = r.GetInt64(1);
        return counts;
    }

    public IReadOnlyDictionary<long, string> ItemIdsOf(IReadOnlyCollection<long> itemRefs)
    {
        var result = new Dictionary<long, string>();
        if (itemRefs.Count == 0) return result;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectItemIdsByRef, ("$ids", JsonSerializer.Serialize(itemRefs)));
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[r.GetInt64(0)] = r.GetString(1);
        return result;
    }

    public InboundCounts Inbound(int teamId, long fromMs, long toMs)
    {
        using var c = Open();
        var p = new (string, object?)[] { ("$team", teamId), ("$from", fromMs), ("$to", toMs) };
        var byHour = new Dictionary<long, long>();
        long messages = 0;
        using (var cmd = Command(c, SqliteSql.SelectInboundPerHour, p))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
            {
                byHour[r.GetInt64(0)] = r.GetInt64(1);
                messages += r.GetInt64(1);
            }
        long senders;
        using (var cmd = Command(c, SqliteSql.CountInboundSenders, p)) senders = Convert.ToInt64(cmd.ExecuteScalar());
        var withoutSender = new List<string>();
        int maxLength = ConsentKeywords.MaxKeywordLength * 2;
        using (var cmd = Command(c, SqliteSql.SelectShortTextsWithoutSender, [.. p, ("$max_length", maxLength), ("$max_sealed_bytes", FieldProtector.MaxSealedLength(maxLength))]))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                if (Opened(r, 0) is { } text && text.Length <= maxLength) withoutSender.Add(text);
        return new InboundCounts(messages, senders, byHour, withoutSender);
    }

    public void ForEachInboundText(int teamId, long fromMs, long toMs, Action<string> visit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectInboundTexts, ("$team", teamId), ("$from", fromMs), ("$to", toMs));
        using var r = cmd.ExecuteReader();
        while (r.Read()) visit(Opened(r, 0)!);
    }

    public void ForEachInboundSender(int teamId, long fromMs, long toMs, Action<long, string> visit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectInboundSenders, ("$team", teamId), ("$from", fromMs), ("$to", toMs));
        using var r = cmd.ExecuteReader();
        while (r.Read()) visit(r.GetInt64(0), r.GetString(1));
    }
}
