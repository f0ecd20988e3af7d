namespace Herald.Storage.Sqlite.Migrations;

// Version 12: seed 004's generated reports. The file lives under reports/<team>/ of the data directory; the row
// keeps its parameters and summary (JSON text) and its state while it runs.
internal static class V012Reports
{
    public static readonly Migration Migration = new(12, "reports: generated report files with their parameters, summary and status",
        """
        CREATE TABLE reports (
            id TEXT PRIMARY KEY,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            type TEXT NOT NULL,
            format TEXT NOT NULL,
            params TEXT NOT NULL,
            file_name TEXT,
            size INTEGER,
            created_at INTEGER NOT NULL,
            completed_at INTEGER,
            status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
            error TEXT,
            summary TEXT);
        CREATE INDEX ix_reports_team_created ON reports(team_id, created_at DESC);
        CREATE INDEX ix_reports_created ON reports(created_at);
        """,
        """
        DROP TABLE reports;
        """);
}
