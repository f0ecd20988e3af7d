namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Retention. Rollups are WITHOUT ROWID: a batch is a range of the primary key of one scope and granularity.
    public const string SelectRetentionHorizons = "SELECT granularity, horizon FROM retention_horizons";
    public const string UpsertRetentionHorizon = """
        INSERT INTO retention_horizons (granularity, horizon, updated_at) VALUES ($g, $horizon, $now)
        ON CONFLICT (granularity) DO UPDATE SET horizon = MAX(retention_horizons.horizon, excluded.horizon), updated_at = excluded.updated_at
        """;
    /// <summary>The next rollup scope (team, team totals or projection) after <c>$after</c>, one primary-key seek.</summary>
    public const string NextRollupScope = "SELECT team_id FROM rollups WHERE team_id > $after ORDER BY team_id LIMIT 1";
    public const string DeleteRollupBatch = """
        DELETE FROM rollups WHERE (team_id, granularity, bucket, dimension_set_id) IN (
            SELECT team_id, granularity, bucket, dimension_set_id FROM rollups
            WHERE team_id = $team AND granularity = $g AND bucket < $before LIMIT $limit)
        """;
    public const string DeleteFailureCellBatch = """
        DELETE FROM failure_cells WHERE (team_id, granularity, bucket, dimension_set_id, error_code) IN (
            SELECT team_id, granularity, bucket, dimension_set_id, error_code FROM failure_cells
            WHERE team_id = $team AND granularity = $g AND bucket < $before LIMIT $limit)
        """;
    /// <summary>Raw events past retention, only at or below the engine checkpoint: events not yet folded stay for recovery.</summary>
    public const string DeleteEventBatch = """
        DELETE FROM events WHERE id IN (
            SELECT id FROM events WHERE id <= $checkpoint AND occurred_at < $before ORDER BY id LIMIT $limit)
        """;
    /// <summary>A batch of resolved alerts past retention; their notification log goes first, in the same transaction.</summary>
    public const string SelectResolvedAlertBatch = "SELECT id FROM alerts WHERE resolved_at IS NOT NULL AND resolved_at < $before ORDER BY id LIMIT $limit";
    public const string DeleteAlertNotificationsOf = "DELETE FROM alert_notifications WHERE alert_id = $id";
    public const string DeleteSnapshotBatch = """
        DELETE FROM analytics_snapshots WHERE id IN (SELECT id FROM analytics_snapshots WHERE period_end < $before ORDER BY id LIMIT $limit)
        """;
    /// <summary>
    /// Old consent changes that a later change of the same recipient supersedes (by the primary key's order, which is the
    /// consent timeline's: time, then the stronger state); a recipient's latest always stays.
    /// </summary>
    public const string DeleteSupersededConsentBatch = """
        DELETE FROM consent_changes WHERE (team_id, recipient, occurred_at, state, event_ref) IN (
            SELECT c.team_id, c.recipient, c.occurred_at, c.state, c.event_ref FROM consent_changes c
            WHERE c.occurred_at < $before AND EXISTS (
                SELECT 1 FROM consent_changes later WHERE later.team_id = c.team_id AND later.recipient = c.recipient
                    AND (later.occurred_at, later.state, later.event_ref) > (c.occurred_at, c.state, c.event_ref))
            LIMIT $limit)
        """;
    public const string InsertMaintenanceRun = """
        INSERT INTO maintenance_runs (started_at, finished_at, deleted, error) VALUES ($started, $finished, $deleted, $error)
        """;
    public const string SelectLastMaintenanceRun = """
        SELECT started_at, finished_at, deleted, error FROM maintenance_runs ORDER BY id DESC LIMIT 1
        """;
    public const string DeleteOldMaintenanceRuns = "DELETE FROM maintenance_runs WHERE id <= (SELECT MAX(id) FROM maintenance_runs) - 1000";
    /// <summary>Tables of the store (not SQLite's own), for the admin statistics.</summary>
    public const string SelectTableNames = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
    /// <summary>Row count of one table; the name comes from <see cref="SelectTableNames"/>, never from a request.</summary>
    public const string CountRowsOf = "SELECT COUNT(*) FROM \"{0}\"";
    public const string PageStats = "SELECT (SELECT page_size FROM pragma_page_size()), (SELECT page_count FROM pragma_page_count()), (SELECT freelist_count FROM pragma_freelist_count())";
}
