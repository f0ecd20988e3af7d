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
    /// <summary>$account_mode: 0 = team-wide rows only, 1 = the account $account only, 2 = every row; $after_date NULL: from the first row.</summary>
    public const string SelectSnapshots = """
        SELECT team_id, account, date, snapshot_type, period_start, period_end, metrics, created_at, updated_at
        FROM analytics_snapshots
        WHERE team_id = $team AND snapshot_type = $type AND date >= $from AND date <= $to
          AND (($account_mode = 0 AND account IS NULL) OR ($account_mode = 1 AND account = $account) OR $account_mode = 2)
          AND ($after_date IS NULL OR (date, IFNULL(account, '')) > ($after_date, $after_account))
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
    /// <summary>The team's contacts before $to and those first seen from $from, from the recipient index alone.</summary>
    public const string CountTeamContacts = """
        SELECT COUNT(*), TOTAL(first >= $from) FROM (
            SELECT MIN(earliest_at) AS first FROM items INDEXED BY ix_items_recipient_dims
            WHERE team_id = $team AND recipient IS NOT NULL AND earliest_at < $to GROUP BY recipient)
        """;
    /// <summary>The same per account, from the index by earliest event (which covers recipient and dimension set).</summary>
    public const string CountAccountContacts = """
        SELECT account, COUNT(*), TOTAL(first >= $from) FROM (
            SELECT ds.account AS account, MIN(i.earliest_at) AS first
            FROM items i INDEXED BY ix_items_earliest JOIN dimension_sets ds ON ds.id = i.dimension_set_id
            WHERE i.team_id = $team AND i.earliest_at < $to AND i.recipient IS NOT NULL AND ds.account IS NOT NULL
            GROUP BY ds.account, i.recipient)
        GROUP BY account
        """;
    /// <summary>$account NULL: any account.</summary>
    public const string SelectFirstContact = """
        SELECT MIN(i.earliest_at) FROM items i JOIN dimension_sets ds ON ds.id = i.dimension_set_id
        WHERE i.team_id = $team AND i.recipient = $recipient AND i.earliest_at < $to AND ($account IS NULL OR ds.account = $account)
        """;
    /// <summary>Per contact the last state change before $to (time, then restriction, as in the consent states); 2 opt-out, 3 stopped.</summary>
    public const string SelectBlockedRecipients = """
        SELECT recipient FROM consent_changes WHERE team_id = $team AND state > 0 AND occurred_at < $to
        GROUP BY recipient HAVING MAX(occurred_at * 4 + state) % 4 >= 2
        """;
    /// <summary>$recipients: a JSON array of recipients.</summary>
    public const string SelectAccountsOfRecipients = """
        SELECT DISTINCT ds.account, i.recipient FROM items i JOIN dimension_sets ds ON ds.id = i.dimension_set_id
        WHERE i.team_id = $team AND i.recipient IN (SELECT value FROM json_each($recipients)) AND i.earliest_at < $to AND ds.account IS NOT NULL
        """;
}
