namespace Herald.Storage.Sqlite.Migrations;

// Version 13: failure cells, the failing events per team, bucket (hour, day, month), dimension set and error code
// ('' for none). The writer keeps them with the rollup cells; this backfills them from the raw events the stored
// items and rollups already include (up to the engine checkpoint: recovery replays the rest and counts it then),
// under each item's stored dimension set. A failure: an error code, or a failure status of the item's kind
// (message failed/undelivered/expired, otp failed/expired, call busy/no-answer/failed/canceled, parcel failed/cancelled).
internal static class V013FailureCells
{
    public static readonly Migration Migration = new(13, "failure analysis: failure cells per hour, day and month, backfilled from the raw events",
        """
        CREATE TABLE failure_cells (
            team_id INTEGER NOT NULL,
            granularity INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            dimension_set_id INTEGER NOT NULL,
            error_code TEXT NOT NULL,
            failures INTEGER NOT NULL,
            PRIMARY KEY (team_id, granularity, bucket, dimension_set_id, error_code)) WITHOUT ROWID;
        INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures)
        SELECT e.team_id, 2, e.occurred_at / 3600000 * 60, i.dimension_set_id, IFNULL(e.error_code, ''), COUNT(*)
        FROM events e INDEXED BY ix_events_failures JOIN items i ON i.id = e.item_ref
        WHERE (e.error_code IS NOT NULL OR e.status IN (3, 4, 5, 11, 12, 13, 19))
          AND e.id <= (SELECT applied_event_id FROM engine_checkpoint WHERE id = 1)
          AND (e.error_code IS NOT NULL
               OR (i.kind = 1 AND e.status IN (3, 4, 5)) OR (i.kind = 2 AND e.status IN (3, 5))
               OR (i.kind = 3 AND e.status IN (3, 11, 12, 13)) OR (i.kind = 4 AND e.status IN (3, 19)))
        GROUP BY e.team_id, e.occurred_at / 3600000 * 60, i.dimension_set_id, IFNULL(e.error_code, '');
        INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures)
        SELECT team_id, 3, bucket / 1440 * 1440, dimension_set_id, error_code, SUM(failures)
        FROM failure_cells WHERE granularity = 2
        GROUP BY team_id, bucket / 1440 * 1440, dimension_set_id, error_code;
        INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures)
        SELECT team_id, 4, unixepoch(bucket * 60, 'unixepoch', 'start of month') / 60 AS month, dimension_set_id, error_code, SUM(failures)
        FROM failure_cells WHERE granularity = 3
        GROUP BY team_id, month, dimension_set_id, error_code;
        """,
        """
        DROP TABLE failure_cells;
        """);
}
