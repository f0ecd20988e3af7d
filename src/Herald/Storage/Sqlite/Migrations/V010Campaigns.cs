namespace Herald.Storage.Sqlite.Migrations;

internal static class V010Campaigns
{
    public static readonly Migration Migration = new(10, "campaigns declared with their recipients",
        """
        CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            campaign_id TEXT NOT NULL,
            name TEXT NOT NULL,
            total_recipients INTEGER NOT NULL,
            account TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (team_id, campaign_id));
        """,
        """
        DROP TABLE campaigns;
        """);
}
