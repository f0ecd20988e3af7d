namespace Herald.Storage.Sqlite;

/// <summary>
/// How one collection's retention finds and deletes its rows: the main table (aliased <c>r</c> in the policy), its primary
/// key, the time the policy judges a row by, the policy itself (<c>$before</c>, <c>$now</c>, <c>$checkpoint</c>), the
/// tables whose rows belong to a main row (by a column holding its single-column key), in the order they are deleted,
/// and what runs before the delete (<c>$keys</c> is a JSON array of the deleted keys).
/// </summary>
internal sealed record PurgeSpec(string Table, string[] Key, string AtColumn, string Policy, (string Table, string Column)[] Dependents,
    string? BeforeDelete = null, string? AudioKeys = null);

internal static partial class SqliteSql
{
    private const string FinishedDeliveryStatuses = "3, 15, 19"; // failed, completed, cancelled (Herald.Domain.Status)

    public static PurgeSpec PurgeSpecOf(PurgeCollection collection) => collection switch
    {
        // Only events the stored items and rollups include (at or below the checkpoint): recovery still finds what it replays.
        PurgeCollection.RawEvents => new("events", ["id"], "occurred_at", "r.id <= $checkpoint AND r.occurred_at < $before", []),
        // An item goes once closed (no event received since the horizon) and once its raw events are gone; its id stays in
        // purged_items, so the writer refuses its later events instead of counting it again.
        PurgeCollection.Items => new("items", ["id"], "last_event_received_at",
            "r.last_event_received_at < $before AND NOT EXISTS (SELECT 1 FROM events e WHERE e.item_ref = r.id)", [],
            BeforeDelete: "INSERT OR IGNORE INTO purged_items (team_id, item_id, purged_at) SELECT team_id, item_id, $now FROM items WHERE id IN (SELECT value->>0 FROM json_each($keys))"),
        // A contact whose latest consent change is an opt-out (2) or stop (3) stays, so the opt-out stays in force; so does the
        // customer of a kept delivery.
        PurgeCollection.Contacts => new("contacts", ["team_id", "recipient"], "updated_at", """
            r.updated_at < $before
            AND IFNULL((SELECT MAX(c.occurred_at * 4 + c.state) % 4 FROM consent_changes c
                        WHERE c.team_id = r.team_id AND c.recipient = r.recipient AND c.state > 0), 0) NOT IN (2, 3)
            AND (r.customer_id IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.team_id = r.team_id AND d.customer_id = r.customer_id))
            """, []),
        // A finished delivery whose tracking events the engine has all taken.
        PurgeCollection.Deliveries => new("deliveries", ["id"], "updated_at", $"""
            r.status IN ({FinishedDeliveryStatuses}) AND r.updated_at < $before
            AND NOT EXISTS (SELECT 1 FROM delivery_tracking t WHERE t.delivery_id = r.id AND t.id > (SELECT synced_through FROM delivery_engine_sync WHERE id = 1))
            """, [("recordings", "delivery_id"), ("call_logs", "delivery_id"), ("delivery_tracking", "delivery_id"), ("delivery_attempts", "delivery_id")],
            AudioKeys: "SELECT audio_key FROM recordings WHERE audio_key IS NOT NULL AND delivery_id IN (SELECT value->>0 FROM json_each($keys))"),
        // Not one the recordings pipeline holds now.
        PurgeCollection.Recordings => new("recordings", ["id"], "created_at", "r.created_at < $before AND (r.claimed_until IS NULL OR r.claimed_until <= $now)", [],
            AudioKeys: "SELECT audio_key FROM recordings WHERE audio_key IS NOT NULL AND id IN (SELECT value->>0 FROM json_each($keys))"),
        PurgeCollection.AlertHistory => new("alerts", ["id"], "resolved_at", "r.resolved_at IS NOT NULL AND r.resolved_at < $before", [("alert_notifications", "alert_id")]),
        PurgeCollection.Snapshots => new("analytics_snapshots", ["id"], "period_end", "r.period_end < $before", []),
        // A recipient's latest change always stays (the primary key's order is the consent timeline's).
        PurgeCollection.ConsentChanges => new("consent_changes", ["team_id", "recipient", "occurred_at", "state", "event_ref"], "occurred_at", """
            r.occurred_at < $before AND EXISTS (
                SELECT 1 FROM consent_changes later WHERE later.team_id = r.team_id AND later.recipient = r.recipient
                    AND (later.occurred_at, later.state, later.event_ref) > (r.occurred_at, r.state, r.event_ref))
            """, []),
        _ => throw new ArgumentOutOfRangeException(nameof(collection)),
    };

    /// <summary>The key columns as a row value: <c>(r.a, r.b)</c>.</summary>
    private static string KeyTuple(PurgeSpec spec, string alias) => "(" + string.Join(", ", spec.Key.Select(k => alias + k)) + ")";

    /// <summary>The keys in <c>$keys</c> (a JSON array of key arrays) as rows of values.</summary>
    private static string KeysIn(PurgeSpec spec) =>
        "(SELECT " + string.Join(", ", spec.Key.Select((_, i) => $"value->>{i}")) + " FROM json_each($keys))";

    /// <summary>Candidates in key order: the key columns, then the policy's time; <c>$c0</c>... hold the key to start after.</summary>
    public static string SelectPurgeCandidates(PurgeSpec spec, bool after) =>
        $"SELECT {string.Join(", ", spec.Key.Select(k => "r." + k))}, r.{spec.AtColumn} FROM {spec.Table} r WHERE ({spec.Policy})"
        + (after ? $" AND {KeyTuple(spec, "r.")} > ({string.Join(", ", spec.Key.Select((_, i) => "$c" + i))})" : "")
        + $" ORDER BY {string.Join(", ", spec.Key.Select(k => "r." + k))} LIMIT $limit";

    /// <summary>Of the keys in <c>$keys</c>, those the policy still matches.</summary>
    public static string SelectStillPurged(PurgeSpec spec) =>
        $"SELECT {string.Join(", ", spec.Key.Select(k => "r." + k))}, r.{spec.AtColumn} FROM {spec.Table} r WHERE {KeyTuple(spec, "r.")} IN {KeysIn(spec)} AND ({spec.Policy})";

    public static string SelectPurgeRows(PurgeSpec spec) => $"SELECT * FROM {spec.Table} WHERE {KeyTuple(spec, "")} IN {KeysIn(spec)}";

    public static string DeletePurgeRows(PurgeSpec spec) => $"DELETE FROM {spec.Table} WHERE {KeyTuple(spec, "")} IN {KeysIn(spec)}";

    public static string SelectDependentRows((string Table, string Column) dependent) =>
        $"SELECT * FROM {dependent.Table} WHERE {dependent.Column} IN (SELECT value->>0 FROM json_each($keys))";

    public static string DeleteDependentRows((string Table, string Column) dependent) =>
        $"DELETE FROM {dependent.Table} WHERE {dependent.Column} IN (SELECT value->>0 FROM json_each($keys))";
}
