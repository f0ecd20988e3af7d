namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Analytics snapshots (migration 7). The conflict target is the unique index's own expression list.
    public const string UpsertSnapshot = """
        INSERT INTO analytics_snapshots (team_id, account, date, snapshot_type, period_start, period_end, metrics, created_at, updated_at)
        VALUES ($team, $account, $date, $type, $start, $end, $metrics, $now, $now)
        ON CONFLICT (team_id, snapshot_type, date, IFNULL(account, '')) DO UPDATE SET
            period_start = excluded.period_start, period_end = excluded.period_end, metrics = excluded.metrics, updated_at = excluded.updated_at
        """;
    /// <summary>$account_mode: 0 = team-wide rows only, 1 = the account $account only, 2 = every row.</summary>
    public const string SelectSnapshots = """
        SELECT team_id, account, date, snapshot_type, period_start, period_end, metrics, created_at, updated_at
        FROM analytics_snapshots
        WHERE team_id = $team AND snapshot_type = $type AND date >= $from AND date <= $to
          AND (($account_mode = 0 AND account IS NULL) OR ($account_mode = 1 AND account = $account) OR $account_mode = 2)
        ORDER BY date, IFNULL(account, '')
        LIMIT $limit
        """;
    /// <summary>
    /// A team's message items (kind 1) whose earliest event falls in [$from, $to) and that name a recipient: what the
    /// contact and conversation figures of a snapshot need beyond the rollups. Reads the partial recipient index.
    /// </summary>
    public const string SelectRecipientItems = """
        SELECT item_id, recipient, earliest_at, status, dimension_set_id
        FROM items
        WHERE team_id = $team AND recipient IS NOT NULL AND kind = 1 AND earliest_at >= $from AND earliest_at < $to
        """;
}
