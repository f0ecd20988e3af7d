namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IConsentReader
{
    public IReadOnlyList<TextEvent> KeywordEvents(int teamId, long untilMs, string? recipient = null) =>
        ReadTexts(SqliteSql.SelectKeywordEvents, ("$team", teamId), ("$until", untilMs), ("$recipient", recipient));

    public IReadOnlyList<TextEvent> InboundTexts(int teamId, long fromMs, long toMs) =>
        ReadTexts(SqliteSql.SelectInboundTexts, ("$team", teamId), ("$from", fromMs), ("$to", toMs));

    private List<TextEvent> ReadTexts(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<TextEvent>();
        while (r.Read()) list.Add(new TextEvent(r.IsDBNull(0) ? null : r.GetString(0), r.GetInt64(1), r.GetString(2)));
        return list;
    }
}
