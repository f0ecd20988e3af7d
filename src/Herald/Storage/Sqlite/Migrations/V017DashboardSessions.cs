namespace Herald.Storage.Sqlite.Migrations;

// Version 17: the dashboard's sign-in sessions, kept on the server so that signing out (or revoking the key) ends them;
// the browser's cookie holds only the session id.
internal static class V017DashboardSessions
{
    public static readonly Migration Migration = new(17, "dashboard sessions kept on the server",
        """
        CREATE TABLE dashboard_sessions (
            session_id TEXT PRIMARY KEY,
            key_id INTEGER NOT NULL REFERENCES api_keys(id),
            ticket BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX ix_dashboard_sessions_expiry ON dashboard_sessions(expires_at);
        """,
        """
        DROP TABLE dashboard_sessions;
        """);
}
