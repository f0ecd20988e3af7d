namespace Herald.Storage.Sqlite.Migrations;

// Version 5 (4 and 6 belong to other features). Only failing events enter the index, so ingest of the rest
// pays nothing; it covers the failure analysis scan (no read of the wide event rows). The statuses are every
// kind's failure statuses: failed, undelivered, expired, busy, no-answer, canceled, cancelled.
internal static class V005FailureAnalysis
{
    public static readonly Migration Migration = new(5, "failure analysis: partial covering index of failing events",
        """
        CREATE INDEX ix_events_failures ON events(team_id, occurred_at, status, item_ref, dimension_set_id, error_code)
            WHERE error_code IS NOT NULL OR status IN (3, 4, 5, 11, 12, 13, 19);
        """,
        """
        DROP INDEX ix_events_failures;
        """);
}
