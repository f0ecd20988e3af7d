namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Server runs and daily database sizes (migration 33).
    public const string InsertServerRun = "INSERT INTO server_runs (started_at, last_seen_at) VALUES ($now, $now) RETURNING id";
    public const string UpdateServerRun = "UPDATE server_runs SET last_seen_at = MAX(last_seen_at, $now) WHERE id = $id";
    public const string SelectServerRuns = """
        SELECT id, started_at, last_seen_at FROM server_runs WHERE last_seen_at >= $from AND started_at < $to ORDER BY started_at, id
        """;
    public const string SelectFirstServerRun = "SELECT MIN(started_at) FROM server_runs";
    public const string UpsertDatabaseSize = """
        INSERT INTO database_size_samples (day, bytes, sampled_at) VALUES ($day, $bytes, $now)
        ON CONFLICT (day) DO UPDATE SET bytes = excluded.bytes, sampled_at = excluded.sampled_at
        """;
    public const string SelectDatabaseSizes = "SELECT day, bytes, sampled_at FROM database_size_samples WHERE day >= $from ORDER BY day";
}
