namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Users (seed 003's demographics): distinct recipients of items and contact records, each with when it joined.
    /// <summary>
    /// Users by joining bucket against the ascending JSON array $cuts (bucket i: joined at or after i cutoffs). A recipient
    /// of items joined at its signed_up_at, else the earliest of its first item and its contact record; a contact record
    /// without items at its signed_up_at, else its creation. The recipients come from the covering recipient index in order.
    /// </summary>
    public const string CountUsersByJoin = """
        WITH seen AS (
            SELECT recipient, MIN(earliest_at) AS first_at FROM items INDEXED BY ix_items_recipient_dims
            WHERE team_id = $team AND recipient IS NOT NULL GROUP BY recipient),
        users AS (
            SELECT COALESCE(c.signed_up_at, MIN(s.first_at, COALESCE(c.created_at, s.first_at))) AS joined
            FROM seen s LEFT JOIN contacts c ON c.team_id = $team AND c.recipient = s.recipient
            UNION ALL
            SELECT COALESCE(c.signed_up_at, c.created_at) FROM contacts c
            WHERE c.team_id = $team AND NOT EXISTS (SELECT 1 FROM items WHERE team_id = $team AND recipient = c.recipient))
        SELECT (SELECT COUNT(*) FROM json_each($cuts) WHERE value <= joined) AS bucket, COUNT(*) FROM users GROUP BY bucket
        """;
    public const string SelectUserJoin = """
        SELECT (SELECT MIN(earliest_at) FROM items WHERE team_id = $team AND recipient = $recipient),
               (SELECT created_at FROM contacts WHERE team_id = $team AND recipient = $recipient),
               (SELECT signed_up_at FROM contacts WHERE team_id = $team AND recipient = $recipient)
        """;
    public const string CountContactsByCity = "SELECT city, COUNT(*) FROM contacts WHERE team_id = $team AND city IS NOT NULL GROUP BY city";
    public const string CountContactsByTier = "SELECT tier, COUNT(*) FROM contacts WHERE team_id = $team AND tier IS NOT NULL GROUP BY tier";
}
