namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Engine, read side.
    public const string SelectCells = """
        SELECT bucket, dimension_set_id, data FROM rollups
        WHERE team_id = $team AND granularity = $g AND bucket >= $from AND bucket < $to
        """;
    public const string SelectCellsOfSets = """
        SELECT bucket, dimension_set_id, data FROM rollups
        WHERE team_id = $team AND granularity = $g AND bucket >= $from AND bucket < $to
          AND dimension_set_id IN (SELECT value FROM json_each($sets))
        """;
    public const string ItemColumns = """
        id, team_id, item_id, kind, status, status_at, earliest_at, first_sent_at, first_success_at,
        dimension_set_id, recipient, cost, event_count, error_code
        """;
    public const string SelectItemById = "SELECT " + ItemColumns + " FROM items WHERE team_id = $team AND item_id = $item";
    /// <summary>Item ids grow with creation: the earliest_at of the first row at or after an id, to bisect by time.</summary>
    /// <summary>A team's items in a rowid range whose earliest event is in [$from, $to): examples, not counts.</summary>
    public const string SelectItemsSince = "SELECT " + ItemColumns + " FROM items INDEXED BY ix_items_earliest WHERE team_id = $team AND earliest_at >= $since";
    public const string SelectEventsOfItem = """
        SELECT id, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient, error_code, error_message,
               cost, attempt, text, metadata
        FROM events WHERE item_ref = $item ORDER BY occurred_at, id
        """;
    public const string SelectRecipientHistory = "SELECT " + ItemColumns + """
         FROM items WHERE team_id = $team AND recipient = $recipient ORDER BY earliest_at DESC LIMIT $limit
        """;
}
