namespace Herald.Storage.Sqlite.Migrations;

// Version 16: items by earliest event, covering recipient and dimension set, so compliance reads any stretch of a
// team's sends in time order from the index alone (the writer rewrites index entries only when those columns change).
internal static class V016ItemsByEarliestEvent
{
    public static readonly Migration Migration = new(16, "items by earliest event, covering recipient and dimension set",
        "CREATE INDEX ix_items_earliest ON items(team_id, earliest_at, recipient, dimension_set_id);",
        "DROP INDEX ix_items_earliest;");
}
