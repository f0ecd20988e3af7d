namespace Herald.Storage.Sqlite.Migrations;

internal static class V004Webhooks
{
    public static readonly Migration Migration = new(4, "webhooks: per-team provider secrets and verify tokens",
        """
        CREATE TABLE webhook_secrets (
            team_id INTEGER NOT NULL REFERENCES teams(id),
            provider TEXT NOT NULL,
            secret TEXT,
            verify_token TEXT,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (team_id, provider)) WITHOUT ROWID;
        """,
        """
        DROP TABLE webhook_secrets;
        """);
}
