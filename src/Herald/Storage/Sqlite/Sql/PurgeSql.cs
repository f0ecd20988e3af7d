using Herald.Domain;

namespace Herald.Storage.Sqlite;

/// <summary>
/// How one collection's retention finds and deletes its rows: the main table (aliased <c>r</c> in the policy), its primary
/// key, the time the policy judges a row by (an expression on <c>r</c>, in Unix ms), the policy itself (<c>$before</c>,
/// <c>$now</c>, <c>$checkpoint</c>), the tables whose rows belong to a main row (by a column holding its single-column key),
/// in the order they are deleted, what runs before and after the delete (<c>$keys</c> is a JSON array of the deleted
/// keys), and the keys of the files that go with the rows.
/// </summary>
internal sealed record PurgeSpec(string Table, string[] Key, string At, string Policy, (string Table, string Column)[] Dependents,
    string? BeforeDelete = null, string? FileKeys = null, string? AfterDelete = null);

internal static partial class SqliteSql
{
    private const string FinishedDeliveryStatuses = "3, 15, 19"; // failed, completed, cancelled (Herald.Domain.Status)

    public static PurgeSpec PurgeSpecOf(PurgeCollection collection) => collection switch
    {
        // Only events the stored items and rollups include (at or below the checkpoint): recovery still finds what it replays.
        PurgeCollection.RawEvents => new("events", ["id"], "r.occurred_at", "r.id <= $checkpoint AND r.occurred_at < $before", []),
        // An item goes once closed (no event received since the horizon) and once its raw events are gone; its id stays in
        // purged_items, so the writer refuses its later events instead of counting it again.
        PurgeCollection.Items => new("items", ["id"], "r.last_event_received_at",
            "r.last_event_received_at < $before AND NOT EXISTS (SELECT 1 FROM events e WHERE e.item_ref = r.id)", [],
            BeforeDelete: "INSERT OR IGNORE INTO purged_items (team_id, item_id, purged_at) SELECT team_id, item_id, $now FROM items WHERE id IN (SELECT value->>0 FROM json_each($keys))"),
        // A contact whose latest consent change is an opt-out (2) or stop (3) stays, so the opt-out stays in force; so does the
        // customer of a kept delivery.
        PurgeCollection.Contacts => new("contacts", ["team_id", "recipient"], "r.updated_at", """
            r.updated_at < $before
            AND IFNULL((SELECT MAX(c.occurred_at * 4 + c.state) % 4 FROM consent_changes c
                        WHERE c.team_id = r.team_id AND c.recipient = r.recipient AND c.state > 0), 0) NOT IN (2, 3)
            AND (r.customer_id IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.team_id = r.team_id AND d.customer_id = r.customer_id))
            """, []),
        // A finished delivery whose tracking events the engine has all taken.
        PurgeCollection.Deliveries => new("deliveries", ["id"], "r.updated_at", $"""
            r.status IN ({FinishedDeliveryStatuses}) AND r.updated_at < $before
            AND NOT EXISTS (SELECT 1 FROM delivery_tracking t WHERE t.delivery_id = r.id AND t.id > (SELECT synced_through FROM delivery_engine_sync WHERE id = 1))
            """, [("recordings", "delivery_id"), ("call_logs", "delivery_id"), ("delivery_tracking", "delivery_id"), ("delivery_attempts", "delivery_id")],
            FileKeys: "SELECT audio_key FROM recordings WHERE audio_key IS NOT NULL AND delivery_id IN (SELECT value->>0 FROM json_each($keys))"),
        // Not one the recordings pipeline holds now.
        PurgeCollection.Recordings => new("recordings", ["id"], "r.created_at", "r.created_at < $before AND (r.claimed_until IS NULL OR r.claimed_until <= $now)", [],
            FileKeys: "SELECT audio_key FROM recordings WHERE audio_key IS NOT NULL AND id IN (SELECT value->>0 FROM json_each($keys))"),
        PurgeCollection.AlertHistory => new("alerts", ["id"], "r.resolved_at", "r.resolved_at IS NOT NULL AND r.resolved_at < $before", [("alert_notifications", "alert_id")]),
        PurgeCollection.Snapshots => new("analytics_snapshots", ["id"], "r.period_end", "r.period_end < $before", []),
        // A recipient's latest change always stays (the primary key's order is the consent timeline's).
        PurgeCollection.ConsentChanges => new("consent_changes", ["team_id", "recipient", "occurred_at", "state", "event_ref"], "r.occurred_at", """
            r.occurred_at < $before AND EXISTS (
                SELECT 1 FROM consent_changes later WHERE later.team_id = r.team_id AND later.recipient = r.recipient
                    AND (later.occurred_at, later.state, later.event_ref) > (r.occurred_at, r.state, r.event_ref))
            """, []),
        // Cells before their granularity's horizon ($before, a whole minute): queries read coarser cells there already. The
        // unary + keeps SQLite from taking the granularity as a constant, which made it sort each team's cells instead of
        // reading them in primary-key order (one pass over the table per run, streamed, batch after batch).
        PurgeCollection.MinuteRollups or PurgeCollection.HourRollups or PurgeCollection.DayRollups or PurgeCollection.MonthRollups =>
            new("rollups", ["team_id", "granularity", "bucket", "dimension_set_id"], "r.bucket * 60000",
                $"+r.granularity = {RollupGranularity(collection)} AND r.bucket < $before / 60000", []),
        PurgeCollection.HourFailureCells or PurgeCollection.DayFailureCells or PurgeCollection.MonthFailureCells =>
            new("failure_cells", ["team_id", "granularity", "bucket", "dimension_set_id", "error_code"], "r.bucket * 60000",
                $"+r.granularity = {RollupGranularity(collection)} AND r.bucket < $before / 60000", []),
        // Only a prefix of the chain, and never its last entry: what stays is one unbroken chain that later appends continue
        // (an entry older than the horizon after a younger one stays too). Every entry before $first is old (an earlier batch
        // took it, and entries never change), so the first young entry that bounds the prefix is looked for only among the
        // $window entries from $first, which the statement's candidates lie in: a batch reads a batch, never the whole prefix
        // or the whole kept year. The append-only guard is lifted for the delete only.
        PurgeCollection.Audit => new("audit_log", ["seq"], "r.at", """
            r.seq < (SELECT MAX(seq) FROM audit_log)
            AND r.seq < IFNULL((SELECT MIN(w.seq) FROM (SELECT seq, at FROM audit_log WHERE seq >= IFNULL($first, 0) ORDER BY seq LIMIT $window) w
                                WHERE w.at >= $before), 9223372036854775807)
            """, [],
            BeforeDelete: DropAuditDeleteGuard, AfterDelete: CreateAuditDeleteGuard),
        PurgeCollection.Otps => new("otps", ["id"], "r.expires_at", "r.expires_at < $before", []),
        PurgeCollection.OtpAttempts => new("otp_attempts", ["id"], "r.started_at", "r.started_at < $before", []),
        PurgeCollection.SystemMetrics => new("system_metrics", ["id"], "r.at", "r.at < $before", []),
        PurgeCollection.UtilizationSamples => new("utilization_samples", ["at"], "r.at", "r.at < $before", []),
        // Not one being generated; the file goes after the row.
        PurgeCollection.Reports => new("reports", ["id"], "r.created_at", "r.created_at < $before AND r.status <> 'running'", [],
            FileKeys: "SELECT file_name FROM reports WHERE file_name IS NOT NULL AND id IN (SELECT value->>0 FROM json_each($keys))"),
        _ => throw new ArgumentOutOfRangeException(nameof(collection)),
    };

    /// <summary>The stored granularity code of a rollup or failure cell collection.</summary>
    private static int RollupGranularity(PurgeCollection collection) => (int)(collection switch
    {
        PurgeCollection.MinuteRollups => Granularity.Minute,
        PurgeCollection.HourRollups or PurgeCollection.HourFailureCells => Granularity.Hour,
        PurgeCollection.DayRollups or PurgeCollection.DayFailureCells => Granularity.Day,
        _ => Granularity.Month,
    });

    /// <summary>The key columns as a row value: <c>(r.a, r.b)</c>.</summary>
    private static string KeyTuple(PurgeSpec spec, string alias) => "(" + string.Join(", ", spec.Key.Select(k => alias + k)) + ")";

    /// <summary>The keys in <c>$keys</c> (a JSON array of key arrays) as rows of values.</summary>
    private static string KeysIn(PurgeSpec spec) =>
        "(SELECT " + string.Join(", ", spec.Key.Select((_, i) => $"value->>{i}")) + " FROM json_each($keys))";

    /// <summary>Candidates in key order: the key columns, then the policy's time; <c>$c0</c>... hold the key to start after.</summary>
    public static string SelectPurgeCandidates(PurgeSpec spec, bool after) =>
        $"SELECT {string.Join(", ", spec.Key.Select(k => "r." + k))}, {spec.At} FROM {spec.Table} r WHERE ({spec.Policy})"
        + (after ? $" AND {KeyTuple(spec, "r.")} > ({string.Join(", ", spec.Key.Select((_, i) => "$c" + i))})" : "")
        + $" ORDER BY {string.Join(", ", spec.Key.Select(k => "r." + k))} LIMIT $limit";

    /// <summary>Of the keys in <c>$keys</c>, those the policy still matches.</summary>
    public static string SelectStillPurged(PurgeSpec spec) =>
        $"SELECT {string.Join(", ", spec.Key.Select(k => "r." + k))}, {spec.At} FROM {spec.Table} r WHERE {KeyTuple(spec, "r.")} IN {KeysIn(spec)} AND ({spec.Policy})";

    public static string SelectPurgeRows(PurgeSpec spec) => $"SELECT * FROM {spec.Table} WHERE {KeyTuple(spec, "")} IN {KeysIn(spec)}";

    public static string DeletePurgeRows(PurgeSpec spec) => $"DELETE FROM {spec.Table} WHERE {KeyTuple(spec, "")} IN {KeysIn(spec)}";

    public static string SelectDependentRows((string Table, string Column) dependent) =>
        $"SELECT * FROM {dependent.Table} WHERE {dependent.Column} IN (SELECT value->>0 FROM json_each($keys))";

    public static string DeleteDependentRows((string Table, string Column) dependent) =>
        $"DELETE FROM {dependent.Table} WHERE {dependent.Column} IN (SELECT value->>0 FROM json_each($keys))";
}
