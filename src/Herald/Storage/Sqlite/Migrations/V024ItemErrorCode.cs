namespace Herald.Storage.Sqlite.Migrations;

// Version 24: an item keeps the error code of the event that gave it its current status, so item search and exports can
// filter and show it without reading the raw events. Items already stored take it from that event (the first stored with
// the item's status and status time, as the writer applies them), found through the failing-events index.
internal static class V024ItemErrorCode
{
    public static readonly Migration Migration = new(24, "items keep the error code of their current status",
        """
        ALTER TABLE items ADD COLUMN error_code TEXT;
        UPDATE items SET error_code = (
            SELECT e.error_code FROM events e INDEXED BY ix_events_item
            WHERE e.item_ref = items.id AND e.status = items.status AND e.occurred_at = items.status_at
            ORDER BY e.id LIMIT 1)
        WHERE id IN (SELECT item_ref FROM events WHERE error_code IS NOT NULL);
        """,
        "ALTER TABLE items DROP COLUMN error_code;");
}
