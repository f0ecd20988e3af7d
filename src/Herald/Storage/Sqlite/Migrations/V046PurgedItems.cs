namespace Herald.Storage.Sqlite.Migrations;

// Version 46: item retention. The id of every item the retention job deleted, so the writer refuses its later events
// rather than count the item a second time as a new one.
internal static class V046PurgedItems
{
    public static readonly Migration Migration = new(46, "item retention: ids of purged items",
        """
        CREATE TABLE purged_items (
            team_id INTEGER NOT NULL,
            item_id TEXT NOT NULL,
            purged_at INTEGER NOT NULL,
            PRIMARY KEY (team_id, item_id)) WITHOUT ROWID;
        """,
        "DROP TABLE purged_items;");
}
