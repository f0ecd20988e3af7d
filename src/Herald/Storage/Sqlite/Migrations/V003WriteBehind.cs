namespace Herald.Storage.Sqlite.Migrations;

internal static class V003WriteBehind
{
    public static readonly Migration Migration = new(3, "write-behind: event that creates an item names it; engine checkpoint",
        """
        ALTER TABLE events ADD COLUMN new_item_id TEXT;
        CREATE TABLE engine_checkpoint (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            applied_event_id INTEGER NOT NULL);
        INSERT INTO engine_checkpoint (id, applied_event_id) SELECT 1, IFNULL(MAX(id), 0) FROM events;
        """,
        """
        DROP TABLE engine_checkpoint;
        ALTER TABLE events DROP COLUMN new_item_id;
        """);
}
