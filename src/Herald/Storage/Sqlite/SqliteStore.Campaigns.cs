using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : ICampaignStore
{
    public CampaignRecord UpsertCampaign(int teamId, string campaignId, string name, long totalRecipients, string? account, long nowMs, string? segmentId = null)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.UpsertCampaign, ("$team", teamId), ("$campaign", campaignId), ("$name", name),
            ("$total", totalRecipients), ("$account", account), ("$now", nowMs), ("$segment", segmentId));
        using var r = cmd.ExecuteReader();
        r.Read();
        return ReadCampaign(r);
    }

    public IReadOnlyList<CampaignRecord> ListCampaigns(int teamId) => ReadCampaigns(SqliteSql.SelectCampaigns, ("$team", teamId));

    public CampaignRecord? FindCampaign(int teamId, string campaignId) =>
        ReadCampaigns(SqliteSql.SelectCampaign, ("$team", teamId), ("$campaign", campaignId)).FirstOrDefault();

    private List<CampaignRecord> ReadCampaigns(string sql, params (string Name, object? Value)[] parameters) => ReadRows(sql, ReadCampaign, parameters);

    private List<T> ReadRows<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(read(r));
        return list;
    }

    private static CampaignRecord ReadCampaign(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt64(2), Text(r, 3), r.GetInt64(4), r.GetInt64(5), Text(r, 6));

    public SegmentRecord UpsertSegment(int teamId, string segmentId, string name, string ruleJson, long nowMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.UpsertSegment, ("$team", teamId), ("$segment", segmentId), ("$name", name), ("$rule", ruleJson), ("$now", nowMs));
        using var r = cmd.ExecuteReader();
        r.Read();
        return ReadSegment(r);
    }

    public IReadOnlyList<SegmentRecord> ListSegments(int teamId) => ReadSegments(SqliteSql.SelectSegments, ("$team", teamId));

    public SegmentRecord? FindSegment(int teamId, string segmentId) =>
        ReadSegments(SqliteSql.SelectSegment, ("$team", teamId), ("$segment", segmentId)).FirstOrDefault();

    public bool DeleteSegment(int teamId, string segmentId)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteSegment, ("$team", teamId), ("$segment", segmentId)) > 0;
    }

    public IReadOnlyList<string> CampaignsOfSegment(int teamId, string segmentId) =>
        ReadRows(SqliteSql.SelectCampaignsOfSegment, r => r.GetString(0), ("$team", teamId), ("$segment", segmentId));

    private List<SegmentRecord> ReadSegments(string sql, params (string Name, object? Value)[] parameters) => ReadRows(sql, ReadSegment, parameters);

    private static SegmentRecord ReadSegment(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4));
}
