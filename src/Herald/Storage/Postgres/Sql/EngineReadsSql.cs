namespace Herald.Storage.Postgres;

internal static partial class PostgresSql
{
    // Engine, read side.
    public const string SelectCells = """
        SELECT bucket, dimension_set_id, data FROM rollups
        WHERE team_id = $1 AND granularity = $2 AND bucket >= $3 AND bucket < $4
        """;
    public const string SelectCellsOfSets = """
        SELECT bucket, dimension_set_id, data FROM rollups
        WHERE team_id = $1 AND granularity = $2 AND bucket >= $3 AND bucket < $4 AND dimension_set_id = ANY($5)
        """;
    public const string ItemColumns = """
        id, team_id, item_id, kind, status, status_at, earliest_at, first_sent_at, first_success_at,
        dimension_set_id, recipient, cost, event_count, error_code
        """;
    public const string SelectItemsById = "SELECT " + ItemColumns + " FROM items WHERE team_id = ANY($1) AND item_id = $2 ORDER BY team_id";
    public const string SelectItemsSince = "SELECT " + ItemColumns + " FROM items WHERE team_id = $1 AND earliest_at >= $2";
    public const string SelectEventsOfItem = """
        SELECT id, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient, error_code, error_message,
               cost, attempt, text, metadata, text_sealed
        FROM events WHERE item_ref = $1 ORDER BY occurred_at, id
        """;
    public const string SelectRecipientHistory = "SELECT " + ItemColumns + """
         FROM items WHERE team_id = $1 AND recipient = $2 ORDER BY earliest_at DESC LIMIT $3
        """;
}
