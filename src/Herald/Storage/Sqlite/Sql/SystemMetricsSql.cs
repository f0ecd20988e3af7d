namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // System metrics (migration 36).
    public const string InsertSystemMetric = """
        INSERT INTO system_metrics (at, metric_type, value, unit, tags, source) VALUES ($at, $type, $value, $unit, $tags, $source)
        """;
    public const string SelectSystemMetrics = """
        SELECT id, at, metric_type, value, unit, tags, source FROM system_metrics
        WHERE ($types IS NULL OR metric_type IN (SELECT value FROM json_each($types)))
          AND ($sources IS NULL OR source IN (SELECT value FROM json_each($sources)))
          AND ($from IS NULL OR at >= $from) AND ($to IS NULL OR at < $to)
          AND ($before_at IS NULL OR at < $before_at OR (at = $before_at AND id < $before_id))
        ORDER BY at DESC, id DESC LIMIT $limit
        """;
    public const string DeleteSystemMetricsBefore = "DELETE FROM system_metrics WHERE at < $before";
}
