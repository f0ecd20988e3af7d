namespace Herald.Storage.Postgres;

internal static partial class PostgresSql
{
    // Engine, write side.
    public const string MaxItemId = "SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM items), (SELECT COALESCE(MAX(item_ref), 0) FROM events))";
    public const string MaxEventId = "SELECT COALESCE(MAX(id), 0) FROM events";
    public const string ReadCheckpoint = "SELECT applied_event_id FROM engine_checkpoint WHERE id = 1";
    public const string SetCheckpoint = "UPDATE engine_checkpoint SET applied_event_id = $1 WHERE id = 1";
    public const string SelectEventsAfter = """
        SELECT id, team_id, item_ref, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient, error_code,
               error_message, cost, attempt, text, metadata, new_item_id, text_sealed
        FROM events WHERE id > $1 ORDER BY id
        """;
    public const string ItemStateColumns = """
        id, kind, status, status_at, earliest_at, first_sent_at, first_success_at, dimension_set_id,
        recipient, cost, event_count, event_minutes, last_event_received_at, error_code, team_id, item_id
        """;
    public const string SelectItem = "SELECT " + ItemStateColumns + " FROM items WHERE team_id = $1 AND item_id = $2";
    public const string SelectItemByRef = "SELECT " + ItemStateColumns + " FROM items WHERE id = $1";
    /// <summary>Which of a batch's explicit event ids the team already stored: one round trip for the whole batch.</summary>
    public const string SelectStoredKeys = """
        SELECT k.team_id, k.dedupe_key FROM unnest($1::integer[], $2::text[]) AS k(team_id, dedupe_key)
        WHERE EXISTS (SELECT 1 FROM events e WHERE e.team_id = k.team_id AND e.dedupe_key = k.dedupe_key)
        """;
    public const string SelectStoredKey = "SELECT EXISTS (SELECT 1 FROM events WHERE team_id = $1 AND dedupe_key = $2)";
    /// <summary>Ids for a batch of events, taken in one round trip: the consent rows name their event.</summary>
    public const string NextEventIds = "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, $1)";
    /// <summary>The batch's raw events in one binary COPY; a dedupe key stored twice breaks the (team, key) constraint and the batch.</summary>
    public const string CopyEvents = """
        COPY events (id, team_id, item_ref, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient, error_code,
                     error_message, cost, attempt, text_sealed, metadata, new_item_id) FROM STDIN (FORMAT BINARY)
        """;
    public const string InsertConsentChanges = """
        INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword)
        SELECT * FROM unnest($1::integer[], $2::text[], $3::bigint[], $4::integer[], $5::bigint[], $6::text[])
        ON CONFLICT DO NOTHING
        """;
    /// <summary>Every changed item of a flush in one statement, in the primary key's order.</summary>
    public const string UpsertItems = """
        INSERT INTO items (id, team_id, item_id, kind, status, status_at, earliest_at, first_sent_at, first_success_at,
                           dimension_set_id, recipient, cost, event_count, event_minutes, last_event_received_at, error_code)
        SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::integer[], $5::integer[], $6::bigint[], $7::bigint[],
                             $8::bigint[], $9::bigint[], $10::integer[], $11::text[], $12::double precision[], $13::integer[],
                             $14::bytea[], $15::bigint[], $16::text[])
        ON CONFLICT (team_id, id) DO UPDATE SET kind = excluded.kind, status = excluded.status, status_at = excluded.status_at,
            earliest_at = excluded.earliest_at, first_sent_at = excluded.first_sent_at, first_success_at = excluded.first_success_at,
            dimension_set_id = excluded.dimension_set_id, recipient = excluded.recipient, cost = excluded.cost,
            event_count = excluded.event_count, event_minutes = excluded.event_minutes,
            last_event_received_at = excluded.last_event_received_at, error_code = excluded.error_code
        """;
    /// <summary>
    /// A flush's new cells: inserted as they are where no row exists yet (the keys that come back); the others are merged
    /// under <see cref="LockCells"/>. Rows are taken in key order, so two writers cannot wait on each other in a cycle.
    /// </summary>
    public const string InsertNewCells = """
        INSERT INTO rollups (team_id, granularity, bucket, dimension_set_id, data)
        SELECT * FROM unnest($1::integer[], $2::integer[], $3::bigint[], $4::integer[], $5::bytea[])
        ON CONFLICT DO NOTHING
        RETURNING team_id, granularity, bucket, dimension_set_id
        """;
    public const string LockCells = """
        SELECT r.team_id, r.granularity, r.bucket, r.dimension_set_id, r.data
        FROM rollups r JOIN unnest($1::integer[], $2::integer[], $3::bigint[], $4::integer[]) AS k(team_id, granularity, bucket, dimension_set_id)
          USING (team_id, granularity, bucket, dimension_set_id)
        ORDER BY r.team_id, r.granularity, r.bucket, r.dimension_set_id
        FOR UPDATE OF r
        """;
    public const string UpdateCells = """
        UPDATE rollups r SET data = k.data
        FROM unnest($1::integer[], $2::integer[], $3::bigint[], $4::integer[], $5::bytea[]) AS k(team_id, granularity, bucket, dimension_set_id, data)
        WHERE r.team_id = k.team_id AND r.granularity = k.granularity AND r.bucket = k.bucket AND r.dimension_set_id = k.dimension_set_id
        """;
    /// <summary>Failure cells are plain counts: added in SQL, in the key's order.</summary>
    public const string MergeFailureCells = """
        INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures)
        SELECT * FROM unnest($1::integer[], $2::integer[], $3::bigint[], $4::integer[], $5::text[], $6::bigint[])
        ON CONFLICT (team_id, granularity, bucket, dimension_set_id, error_code) DO UPDATE SET failures = failure_cells.failures + excluded.failures
        """;
    public static readonly string SelectFailureCandidatesOfItem = """
        SELECT e.occurred_at, e.status, e.error_code FROM events e WHERE e.item_ref = $1 AND e.id <= $2 AND 
        """ + Sqlite.FailingEventSql.Term;
    public const string SelectItemKeys = "SELECT team_id, item_id FROM items";
    public const string InsertDimensionSet = """
        INSERT INTO dimension_sets (team_id, kind, account, channel, provider, route, campaign, country, direction, agent, template)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        RETURNING id
        """;
    public const string SelectDimensionSets = """
        SELECT id, team_id, kind, account, channel, provider, route, campaign, country, direction, agent, template FROM dimension_sets ORDER BY id
        """;
    public const string EnsureAccount = """
        INSERT INTO accounts (team_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (team_id, name) DO NOTHING
        """;
}
