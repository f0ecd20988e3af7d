using System.Text;

namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    /// <summary>
    /// One team's items by earliest event, newest first, from ?2 (inclusive) to ?3 (exclusive), before the position
    /// (?4, ?5): read along the index by earliest event (migration 16), whose entries hold recipient and dimension set, so
    /// only the items that pass those filters are looked up. With recipients, the index by recipient (migration 15) instead.
    /// Sets are bound as JSON arrays.
    /// </summary>
    /// <summary>One team's items by earliest event in [?2, ?3) with a recipient: the index by earliest event holds all three columns (id is its rowid).</summary>
    public const string SelectItemRecipients = """
        SELECT id, recipient, dimension_set_id FROM items INDEXED BY ix_items_earliest
        WHERE team_id = ?1 AND earliest_at >= ?2 AND earliest_at < ?3 AND recipient IS NOT NULL
        """;

    public static string SelectItemsForSearch(bool dimensionSets, bool statuses, bool errorCodes, bool recipients)
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
        return sql.Append(" ORDER BY earliest_at DESC, id DESC").ToString();
    }
}
