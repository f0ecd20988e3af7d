namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Index usage analysis (seed 003): planner statistics from sqlite_stat1.
    public const string SelectIndexes = "SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' ORDER BY tbl_name, name";
    public const string HasPlannerStats = "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'";
    /// <summary>Indexes the planner has no statistics of (a new index, or one of a table empty at the last analysis).</summary>
    public const string CountUnanalyzedIndexes = "SELECT COUNT(*) FROM sqlite_schema s WHERE s.type = 'index' AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 t WHERE t.idx = s.name)";
    public const string SelectPlannerStats = "SELECT idx, stat FROM sqlite_stat1 WHERE idx IS NOT NULL";
    // Bounded analysis: at most about 1,000 rows read per index, so a large store is analyzed in moments.
    public const string AnalyzePlanner = "PRAGMA analysis_limit = 1000; ANALYZE;";
    // 0x10002: check every table, not only those this connection used, and analyze those whose statistics are stale.
    public const string OptimizePlanner = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;";
}
