using System.Text;

namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    /// <summary>One team's items by earliest event in [?2, ?3) with a recipient: the index by earliest event holds all three columns (id is its rowid).</summary>
    public const string SelectItemRecipients = """
        SELECT id, recipient, dimension_set_id FROM items INDEXED BY ix_items_earliest
        WHERE team_id = ?1 AND earliest_at >= ?2 AND earliest_at < ?3 AND recipient IS NOT NULL
        """;

    /// <summary>
    /// One team's items by earliest event, newest first, from ?2 (inclusive) to ?3 (exclusive), before the position
    /// (?4, ?5): read along the index by earliest event (migration 16), whose entries hold recipient and dimension set, so
    /// only the items that pass those filters are looked up. With recipients, the index by recipient (migration 15) instead.
    /// Sets are bound as JSON arrays; with <paramref name="notBefore"/>, only items at or after the position (?10, ?11).
    /// Ordered by earliest event alone, which the index gives as it is read: the reader puts the items of one earliest event
    /// in ref order (ordering by ref too takes a sorter that copies every row in and out, 18 % of the read's CPU here).
    /// </summary>
    public static string SelectItemsForSearch(bool dimensionSets, bool statuses, bool errorCodes, bool recipients, bool notBefore = false)
    {
        var sql = new StringBuilder("SELECT ").Append(ItemColumns)
            .Append(recipients ? " FROM items INDEXED BY ix_items_recipient_dims" : " FROM items INDEXED BY ix_items_earliest")
            .Append("""
                 WHERE team_id = ?1 AND earliest_at >= ?2 AND earliest_at < ?3 AND (earliest_at < ?4 OR (earliest_at = ?4 AND id < ?5))
                """);
        if (dimensionSets) sql.Append(" AND dimension_set_id IN (SELECT value FROM json_each(?6))");
        if (statuses) sql.Append(" AND status IN (SELECT value FROM json_each(?7))");
        if (errorCodes) sql.Append(" AND error_code IN (SELECT value FROM json_each(?8))");
        if (recipients) sql.Append(" AND recipient IN (SELECT value FROM json_each(?9))");
        if (notBefore) sql.Append(" AND (earliest_at > ?10 OR (earliest_at = ?10 AND id >= ?11))");
        return sql.Append(" ORDER BY earliest_at DESC").ToString();
    }

    /// <summary>
    /// The position of the ?6-th item (from 0) of a team's items by earliest event, newest first, from ?2 (inclusive) to
    /// ?3 (exclusive) and before the position (?4, ?5): from the index by earliest event alone, whose entries end with the id.
    /// </summary>
    public const string SelectItemPositionAtOffset = """
        SELECT earliest_at, id FROM items INDEXED BY ix_items_earliest
        WHERE team_id = ?1 AND earliest_at >= ?2 AND earliest_at < ?3 AND (earliest_at < ?4 OR (earliest_at = ?4 AND id < ?5))
        ORDER BY earliest_at DESC, id DESC LIMIT 1 OFFSET ?6
        """;
}
