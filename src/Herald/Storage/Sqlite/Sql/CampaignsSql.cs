namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Campaigns.
    public const string CampaignColumns = "campaign_id, name, total_recipients, account, created_at, updated_at, segment_id";
    public const string UpsertCampaign = """
        INSERT INTO campaigns (team_id, campaign_id, name, total_recipients, account, created_at, updated_at, segment_id)
        VALUES ($team, $campaign, $name, $total, $account, $now, $now, $segment)
        ON CONFLICT (team_id, campaign_id) DO UPDATE SET name = excluded.name, total_recipients = excluded.total_recipients,
            account = excluded.account, updated_at = excluded.updated_at, segment_id = excluded.segment_id
        RETURNING
        """ + " " + CampaignColumns;
    public const string SelectCampaigns = "SELECT " + CampaignColumns + " FROM campaigns WHERE team_id = $team ORDER BY created_at DESC, campaign_id";
    public const string SelectCampaign = "SELECT " + CampaignColumns + " FROM campaigns WHERE team_id = $team AND campaign_id = $campaign";
    public const string SelectCampaignsOfSegment = "SELECT campaign_id FROM campaigns WHERE team_id = $team AND segment_id = $segment ORDER BY campaign_id";

    // Segments.
    public const string SegmentColumns = "segment_id, name, rule, created_at, updated_at";
    public const string UpsertSegment = """
        INSERT INTO segments (team_id, segment_id, name, rule, created_at, updated_at) VALUES ($team, $segment, $name, $rule, $now, $now)
        ON CONFLICT (team_id, segment_id) DO UPDATE SET name = excluded.name, rule = excluded.rule, updated_at = excluded.updated_at
        RETURNING
        """ + " " + SegmentColumns;
    public const string SelectSegments = "SELECT " + SegmentColumns + " FROM segments WHERE team_id = $team ORDER BY segment_id";
    public const string SelectSegment = "SELECT " + SegmentColumns + " FROM segments WHERE team_id = $team AND segment_id = $segment";
    public const string DeleteSegment = "DELETE FROM segments WHERE team_id = $team AND segment_id = $segment";
}
