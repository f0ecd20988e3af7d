namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Failure analysis. The failing-event term must stay word for word the WHERE of ix_events_failures (migration 5):
    // SQLite uses a partial index only when the query's WHERE contains its condition.
    public const string FailingEventTerm = "(e.error_code IS NOT NULL OR e.status IN (3, 4, 5, 11, 12, 13, 19))";
    /// <summary>A read of the events table's root page: the first read of a transaction fixes its WAL snapshot.</summary>
    public const string PinReadSnapshot = "SELECT 1 FROM events LIMIT 1";
    /// <summary>
    /// Failing events of a team in [$from, $to), one row each: the item, its stored dimension set (NULL without a stored
    /// row), status, code, and whether occurred_at &gt;= $mid. Read from the covering partial index and the items' rowids
    /// only; counted by the caller (a GROUP BY here costs more than it saves: a temp B-tree per query).
    /// </summary>
    public const string SelectFailingEvents = """
        SELECT e.item_ref, i.dimension_set_id, e.status, e.error_code, e.occurred_at >= $mid
        FROM events e INDEXED BY ix_events_failures LEFT JOIN items i ON i.id = e.item_ref
        WHERE e.team_id = $team AND e.occurred_at >= $from AND e.occurred_at < $to
          AND 
        """ + FailingEventTerm;

    /// <summary>
    /// A team's failure cells of one granularity in [?3, ?4): a range of the primary key; zero sums (failures moved away)
    /// are left out. Read row by row through SQLite's own API and summed by the caller: cheaper than a GROUP BY's sort.
    /// </summary>
    public const string SelectFailureCells = """
        SELECT dimension_set_id, error_code, failures FROM failure_cells
        WHERE team_id = ?1 AND granularity = ?2 AND bucket >= ?3 AND bucket < ?4 AND failures <> 0
        """;
}
