namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Dashboard sessions (migration 17).
    public const string UpsertSession = """
        INSERT INTO dashboard_sessions (session_id, key_id, ticket, created_at, expires_at) VALUES ($id, $key, $ticket, $now, $expires)
        ON CONFLICT (session_id) DO UPDATE SET ticket = excluded.ticket, expires_at = excluded.expires_at
        """;
    public const string SelectSession = "SELECT ticket FROM dashboard_sessions WHERE session_id = $id AND expires_at > $now";
    public const string DeleteSession = "DELETE FROM dashboard_sessions WHERE session_id = $id";
    public const string DeleteExpiredSessions = "DELETE FROM dashboard_sessions WHERE expires_at <= $now";
    public const string DeleteSessionsOfKey = "DELETE FROM dashboard_sessions WHERE key_id = $key";
    public const string SelectKeyById = "SELECT " + KeyColumns + " FROM api_keys WHERE id = $id";
}
