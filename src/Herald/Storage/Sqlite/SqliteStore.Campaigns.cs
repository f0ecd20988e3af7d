using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : ICampaignStore
{
    public CampaignRecord UpsertCampaign(int teamId, string campaignId, string name, long totalRecipients, string? account, long nowMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.UpsertCampaign, ("$team", teamId), ("$campaign", campaignId), ("$name", name),
            ("$total", totalRecipients), ("$account", account), ("$now", nowMs));
        using var r = cmd.ExecuteReader();
        r.Read();
        return ReadCampaign(r);
    }

    public IReadOnlyList<CampaignRecord> ListCampaigns(int teamId) => ReadCampaigns(SqliteSql.SelectCampaigns, ("$team", teamId));

    public CampaignRecord? FindCampaign(int teamId, string campaignId) =>
        ReadCampaigns(SqliteSql.SelectCampaign, ("$team", teamId), ("$campaign", campaignId)).FirstOrDefault();

    private List<CampaignRecord> ReadCampaigns(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<CampaignRecord>();
        while (r.Read()) list.Add(ReadCampaign(r));
        return list;
    }

    private static CampaignRecord ReadCampaign(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4), r.GetInt64(5));
}
