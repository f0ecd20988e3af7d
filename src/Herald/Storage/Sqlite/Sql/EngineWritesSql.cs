namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Engine, write side.
    public const string MaxItemId = "SELECT MAX(IFNULL((SELECT MAX(id) FROM items), 0), IFNULL((SELECT MAX(item_ref) FROM events), 0))";
    public const string MaxEventId = "SELECT IFNULL(MAX(id), 0) FROM events";
    public const string ReadCheckpoint = "SELECT applied_event_id FROM engine_checkpoint WHERE id = 1";
    public const string SetCheckpoint = "UPDATE engine_checkpoint SET applied_event_id = $id WHERE id = 1";
    public const string SelectEventsAfter = """
        SELECT id, team_id, item_ref, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient, error_code,
               error_message, cost, attempt, text, metadata, new_item_id
        FROM events WHERE id > $id ORDER BY id
        """;
    public const string SelectItem = """
        SELECT id, kind, status, status_at, earliest_at, first_sent_at, first_success_at, dimension_set_id,
               recipient, cost, event_count, event_minutes, last_event_received_at, error_code
        FROM items WHERE team_id = $team AND item_id = $item
        """;
    public const string SelectItemByRef = """
        SELECT id, kind, status, status_at, earliest_at, first_sent_at, first_success_at, dimension_set_id,
               recipient, cost, event_count, event_minutes, last_event_received_at, error_code, team_id, item_id
        FROM items WHERE id = $id
        """;
    public const string InsertEvent = """
        INSERT INTO events (team_id, item_ref, dedupe_key, status, occurred_at, received_at, dimension_set_id,
                            recipient, error_code, error_message, cost, attempt, text, metadata, new_item_id)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
        ON CONFLICT (team_id, dedupe_key) DO NOTHING
        """;
    // Insert and update of an item share positions: ?1 id, ?2 team, ?3 item id, ?4.. the state.
    public const string InsertItem = """
        INSERT INTO items (id, team_id, item_id, kind, status, status_at, earliest_at, first_sent_at, first_success_at,
                           dimension_set_id, recipient, cost, event_count, event_minutes, last_event_received_at, error_code)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
        """;
    public const string UpdateItem = """
        UPDATE items SET kind = ?4, status = ?5, status_at = ?6, earliest_at = ?7, first_sent_at = ?8, first_success_at = ?9,
            dimension_set_id = ?10, recipient = ?11, cost = ?12, event_count = ?13, event_minutes = ?14,
            last_event_received_at = ?15, error_code = ?16
        WHERE id = ?1 AND team_id = ?2 AND item_id = ?3
        """;
    /// <summary>
    /// <see cref="UpdateItem"/> without the columns the item indexes hold (earliest event, dimension set, recipient), for an
    /// item whose indexed columns did not change: SQLite then leaves those index entries alone. Binds the same ?1-?16.
    /// </summary>
    public const string UpdateItemState = """
        UPDATE items SET kind = ?4, status = ?5, status_at = ?6, first_sent_at = ?8, first_success_at = ?9,
            cost = ?12, event_count = ?13, event_minutes = ?14, last_event_received_at = ?15, error_code = ?16
        WHERE id = ?1 AND team_id = ?2 AND item_id = ?3
        """;
    /// <summary>Folds a delta into a cell inside SQLite (herald_merge_cell is registered on the writer's connection): no read round trip.</summary>
    public const string MergeCell = """
        INSERT INTO rollups (team_id, granularity, bucket, dimension_set_id, data) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (team_id, granularity, bucket, dimension_set_id) DO UPDATE SET data = herald_merge_cell(data, excluded.data)
        """;
    public const string MergeCellFunction = "herald_merge_cell";
    public const string MergeFailureCell = """
        INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (team_id, granularity, bucket, dimension_set_id, error_code) DO UPDATE SET failures = failure_cells.failures + excluded.failures
        """;
    /// <summary>An item's possibly failing events up to an event id, to move its failure cells when its dimensions change.</summary>
    public static readonly string SelectFailureCandidatesOfItem = """
        SELECT e.occurred_at, e.status, e.error_code FROM events e INDEXED BY ix_events_item
        WHERE e.item_ref = $item AND e.id <= $upTo AND 
        """ + FailingEventSql.Term;
    /// <summary>With the purged items: the writer must look those up too, to refuse their events.</summary>
    public const string SelectItemKeys = "SELECT team_id, item_id FROM items UNION ALL SELECT team_id, item_id FROM purged_items";
    public const string IsPurgedItem = "SELECT EXISTS (SELECT 1 FROM purged_items WHERE team_id = $team AND item_id = $item)";
    public const string InsertDimensionSet = """
        INSERT INTO dimension_sets (team_id, kind, account, channel, provider, route, campaign, country, direction, agent, template)
        VALUES ($team, $kind, $account, $channel, $provider, $route, $campaign, $country, $direction, $agent, $template)
        RETURNING id
        """;
    public const string SelectDimensionSets = """
        SELECT id, team_id, kind, account, channel, provider, route, campaign, country, direction, agent, template FROM dimension_sets ORDER BY id
        """;
    public const string EnsureAccount = """
        INSERT INTO accounts (team_id, name, created_at) VALUES ($team, $name, $now) ON CONFLICT (team_id, name) DO NOTHING
        """;
}
