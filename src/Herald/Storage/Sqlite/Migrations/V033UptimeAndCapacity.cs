namespace Herald.Storage.Sqlite.Migrations;

// Version 33: what the weekly report's system uptime and capacity planning need and no other table holds. Each run of the
// server (start, last heartbeat, graceful stop) and one sample of the database's size per UTC day (the day's latest).
internal static class V033UptimeAndCapacity
{
    public static readonly Migration Migration = new(33, "server runs for uptime; daily database size samples for capacity planning",
        """
        CREATE TABLE server_runs (
            id INTEGER PRIMARY KEY,
            started_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL);
        CREATE INDEX ix_server_runs_seen ON server_runs(last_seen_at);
        CREATE TABLE database_size_samples (
            day INTEGER PRIMARY KEY,
            bytes INTEGER NOT NULL,
            sampled_at INTEGER NOT NULL);
        """,
        """
        DROP TABLE database_size_samples;
        DROP TABLE server_runs;
        """);
}
