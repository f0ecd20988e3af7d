using System.Globalization;
using Herald.Domain;

namespace Herald.Storage.Sqlite;

/// <summary>
/// What makes an event a failing one, in SQL: an error code, or a failure status of any kind (<see cref="StatusLattice.FailureStatuses"/>).
/// It must stay word for word the WHERE of ix_events_failures (migration 5), read through the alias <c>e</c>: SQLite uses a
/// partial index only when the query's WHERE contains its condition. A test holds the two together.
/// </summary>
public static class FailingEventSql
{
    public static readonly string Term = "(e.error_code IS NOT NULL OR e.status IN ("
        + string.Join(", ", StatusLattice.FailureStatuses.Select(s => ((int)s).ToString(CultureInfo.InvariantCulture))) + "))";
}

internal static partial class SqliteSql
{
    /// <summary>A read of the events table's root page: the first read of a transaction fixes its WAL snapshot.</summary>
    public const string PinReadSnapshot = "SELECT 1 FROM events LIMIT 1";
    /// <summary>
    /// Failing events of a team in [$from, $to), one row each: the item, its stored dimension set (NULL without a stored
    /// row), status, code, and whether occurred_at &gt;= $mid. Read from the covering partial index and the items' rowids
    /// only; counted by the caller (a GROUP BY here costs more than it saves: a temp B-tree per query).
    /// </summary>
    public static readonly string SelectFailingEvents = """
        SELECT e.item_ref, i.dimension_set_id, e.status, e.error_code, e.occurred_at >= $mid
        FROM events e INDEXED BY ix_events_failures LEFT JOIN items i ON i.id = e.item_ref
        WHERE e.team_id = $team AND e.occurred_at >= $from AND e.occurred_at < $to
          AND 
        """ + FailingEventSql.Term;

    /// <summary>Whether a team has a failing event in [$from, $to): one probe of the partial index.</summary>
    public static readonly string AnyFailingEvent = """
        SELECT EXISTS (SELECT 1 FROM events e INDEXED BY ix_events_failures
        WHERE e.team_id = $team AND e.occurred_at >= $from AND e.occurred_at < $to AND 
        """ + FailingEventSql.Term + ")";

    /// <summary>
    /// A team's failure cells of one granularity in [?3, ?4): a range of the primary key; zero sums (failures moved away)
    /// are left out. Read row by row through SQLite's own API and summed by the caller: cheaper than a GROUP BY's sort.
    /// </summary>
    public const string SelectFailureCells = """
        SELECT dimension_set_id, error_code, failures FROM failure_cells
        WHERE team_id = ?1 AND granularity = ?2 AND bucket >= ?3 AND bucket < ?4 AND failures <> 0
        """;
}
