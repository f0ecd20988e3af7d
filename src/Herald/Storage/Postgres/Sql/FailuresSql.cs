namespace Herald.Storage.Postgres;

internal static partial class PostgresSql
{
    /// <summary>Failing events of a team in [$2, $4): the item, its stored dimension set (NULL without a stored row), status, code, and whether occurred_at &gt;= $3.</summary>
    public static readonly string SelectFailingEvents = """
        SELECT e.item_ref, i.dimension_set_id, e.status, e.error_code, e.occurred_at >= $3
        FROM events e LEFT JOIN items i ON i.team_id = e.team_id AND i.id = e.item_ref
        WHERE e.team_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $4 AND 
        """ + Sqlite.FailingEventSql.Term;

    public static readonly string AnyFailingEvent = """
        SELECT EXISTS (SELECT 1 FROM events e WHERE e.team_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3 AND 
        """ + Sqlite.FailingEventSql.Term + ")";

    public const string SelectFailureCells = """
        SELECT dimension_set_id, error_code, failures FROM failure_cells
        WHERE team_id = $1 AND granularity = $2 AND bucket >= $3 AND bucket < $4 AND failures <> 0
        """;
}
