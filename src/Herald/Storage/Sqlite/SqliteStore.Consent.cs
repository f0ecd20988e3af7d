using System.Text.Json;
using Herald.Analytics.Consent;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IConsentReader
{
    public IReadOnlyList<ConsentRow> ContactConsent(int teamId, string recipient, long untilMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectContactConsent, ("$team", teamId), ("$recipient", recipient), ("$until", untilMs));
        using var r = cmd.ExecuteReader();
        var rows = new List<ConsentRow>();
        while (r.Read()) rows.Add(new ConsentRow(r.GetInt64(0), r.GetInt32(1), r.GetString(2)));
        return rows;
    }

    public IReadOnlyDictionary<int, long> ConsentStates(int teamId, long toMs) =>
        CountsByCode(SqliteSql.SelectConsentStates, ("$team", teamId), ("$to", toMs));

    public IReadOnlyDictionary<int, long> ConsentChanges(int teamId, long fromMs, long toMs) =>
        CountsByCode(SqliteSql.SelectConsentChangesInWindow, ("$team", teamId), ("$from", fromMs), ("$to", toMs));

    private Dictionary<int, long> CountsByCode(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var counts = new Dictionary<int, long>();
        while (r.Read()) counts[r.GetInt32(0)] = r.GetInt64(1);
        return counts;
    }

    public IReadOnlyDictionary<string, List<ConsentRow>> ConsentOf(int teamId, IReadOnlyCollection<string> recipients)
    {
        var result = new Dictionary<string, List<ConsentRow>>(StringComparer.Ordinal);
        if (recipients.Count == 0) return result;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectConsentOfRecipients, ("$team", teamId), ("$recipients", JsonSerializer.Serialize(recipients)));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            string recipient = r.GetString(0);
            (result.TryGetValue(recipient, out var list) ? list : result[recipient] = []).Add(new ConsentRow(r.GetInt64(1), r.GetInt32(2), ""));
        }
        return result;
    }

    public IReadOnlyDictionary<string, long> CountOptedOutItems(int teamId, long fromMs, long toMs, IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountItemsInOptedOutSpans, SpanParameters(teamId, fromMs, toMs, inboundSets, skip));
        using var r = cmd.ExecuteReader();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (r.Read()) counts[r.GetString(0)] = r.GetInt64(1);
        return counts;
    }

    public IReadOnlyList<OptedOutItem> OptedOutItems(int teamId, long fromMs, long toMs, IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip, int limit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectItemsInOptedOutSpans, [.. SpanParameters(teamId, fromMs, toMs, inboundSets, skip), ("$limit", limit)]);
        using var r = cmd.ExecuteReader();
        var list = new List<OptedOutItem>();
        while (r.Read()) list.Add(new OptedOutItem(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt32(3), r.GetInt32(4), r.GetInt64(5)));
        return list;
    }

    private static (string, object?)[] SpanParameters(int teamId, long fromMs, long toMs, IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip) =>
        [("$team", teamId), ("$from", fromMs), ("$to", toMs), ("$inbound", JsonSerializer.Serialize(inboundSets)), ("$skip", JsonSerializer.Serialize(skip))];

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
        using (var cmd = Command(c, SqliteSql.SelectInboundSenders, p)) senders = Convert.ToInt64(cmd.ExecuteScalar());
        var withoutSender = new List<string>();
        using (var cmd = Command(c, SqliteSql.SelectShortTextsWithoutSender, [.. p, ("$max_length", ConsentKeywords.MaxKeywordLength * 2)]))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) withoutSender.Add(r.GetString(0));
        return new InboundCounts(messages, senders, byHour, withoutSender);
    }
}
