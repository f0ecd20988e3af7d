namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Campaigns.
    public const string CampaignColumns = "campaign_id, name, total_recipients, account, created_at, updated_at";
    public const string UpsertCampaign = """
        INSERT INTO campaigns (team_id, campaign_id, name, total_recipients, account, created_at, updated_at)
        VALUES ($team, $campaign, $name, $total, $account, $now, $now)
        ON CONFLICT (team_id, campaign_id) DO UPDATE SET name = excluded.name, total_recipients = excluded.total_recipients,
            account = excluded.account, updated_at = excluded.updated_at
        RETURNING
        """ + " " + CampaignColumns;
    public const string SelectCampaigns = "SELECT " + CampaignColumns + " FROM campaigns WHERE team_id = $team ORDER BY created_at DESC, campaign_id";
    public const string SelectCampaign = "SELECT " + CampaignColumns + " FROM campaigns WHERE team_id = $team AND campaign_id = $campaign";
}
