namespace Herald.Storage.Sqlite.Migrations;

// Version 36: seed 001's system metrics, a narrow time series (one row per metric per sampling, every 30 s by default)
// read by metric type or source over a time range; the indexes are the seed's three.
internal static class V036SystemMetrics
{
    public static readonly Migration Migration = new(36, "system metrics: {timestamp, metric_type, value, unit, tags, source} time series",
        """
        CREATE TABLE system_metrics (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            metric_type TEXT NOT NULL,
            value REAL NOT NULL,
            unit TEXT,
            tags TEXT,
            source TEXT NOT NULL);
        CREATE INDEX ix_system_metrics_at ON system_metrics (at, id);
        CREATE INDEX ix_system_metrics_type_at ON system_metrics (metric_type, at, id);
        CREATE INDEX ix_system_metrics_source_at ON system_metrics (source, at, id);
        """,
        """
        DROP TABLE system_metrics;
        """);
}
