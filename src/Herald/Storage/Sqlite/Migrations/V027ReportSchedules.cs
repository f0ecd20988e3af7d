namespace Herald.Storage.Sqlite.Migrations;

// Version 27: seed 004's scheduled reports. One row per schedule: what to report (type, parameters, format), when (a Quartz
// cron in an IANA time zone), to whom (a JSON array of addresses), and the outcome of its last run.
internal static class V027ReportSchedules
{
    public static readonly Migration Migration = new(27, "report schedules: cron, time zone, recipients and the last run",
        """
        CREATE TABLE report_schedules (
            id TEXT PRIMARY KEY,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            report TEXT NOT NULL,
            parameters TEXT NOT NULL,
            format TEXT NOT NULL,
            cron TEXT NOT NULL,
            time_zone TEXT NOT NULL,
            recipients TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            runs INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            last_run_at INTEGER,
            last_status TEXT,
            last_report_id TEXT,
            last_error TEXT);
        CREATE INDEX ix_report_schedules_team ON report_schedules(team_id, created_at);
        """,
        """
        DROP TABLE report_schedules;
        """);
}
