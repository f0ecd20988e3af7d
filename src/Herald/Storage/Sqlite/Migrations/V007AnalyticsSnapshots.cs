namespace Herald.Storage.Sqlite.Migrations;

// Version 7: seed 002's analytics snapshots. One row per team, account (NULL = the whole team), period start date
// and type; the unique index on IFNULL(account, '') makes a NULL account collide with itself, so upserts never duplicate.
internal static class V007AnalyticsSnapshots
{
    public static readonly Migration Migration = new(7, "analytics snapshots: daily, weekly and monthly metrics per team and account",
        """
        CREATE TABLE analytics_snapshots (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            account TEXT,
            date TEXT NOT NULL,
            snapshot_type TEXT NOT NULL CHECK (snapshot_type IN ('Daily', 'Weekly', 'Monthly')),
            period_start INTEGER NOT NULL,
            period_end INTEGER NOT NULL,
            metrics TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);
        CREATE UNIQUE INDEX ux_analytics_snapshots ON analytics_snapshots(team_id, snapshot_type, date, IFNULL(account, ''));
        """,
        """
        DROP TABLE analytics_snapshots;
        """);
}
