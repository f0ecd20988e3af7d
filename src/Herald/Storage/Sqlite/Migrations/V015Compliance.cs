namespace Herald.Storage.Sqlite.Migrations;

// Version 15: compliance settings. A contact's own time zone and quiet hours (local minutes of the day, start
// inclusive, end exclusive; NULL = the team's), the team's defaults; and the recipient index widened by the
// dimension set, so compliance reads an item's direction from the index alone (same count of indexes on items).
internal static class V015Compliance
{
    public static readonly Migration Migration = new(15, "compliance: contact and team time zones and quiet hours; recipient index covering the dimension set",
        """
        CREATE TABLE contacts (
            team_id INTEGER NOT NULL REFERENCES teams(id),
            recipient TEXT NOT NULL,
            time_zone TEXT,
            quiet_start INTEGER,
            quiet_end INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (team_id, recipient)) WITHOUT ROWID;
        CREATE TABLE compliance_settings (
            team_id INTEGER PRIMARY KEY REFERENCES teams(id),
            time_zone TEXT,
            quiet_start INTEGER,
            quiet_end INTEGER,
            updated_at INTEGER NOT NULL);
        CREATE INDEX ix_items_recipient_dims ON items(team_id, recipient, earliest_at, dimension_set_id) WHERE recipient IS NOT NULL;
        DROP INDEX ix_items_recipient;
        """,
        """
        CREATE INDEX ix_items_recipient ON items(team_id, recipient, earliest_at) WHERE recipient IS NOT NULL;
        DROP INDEX ix_items_recipient_dims;
        DROP TABLE compliance_settings;
        DROP TABLE contacts;
        """);
}
