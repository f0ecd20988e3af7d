namespace Herald.Storage.Sqlite.Migrations;

internal static class V002Engine
{
    public static readonly Migration Migration = new(2, "engine: dimension sets, items, raw events, rollup cells",
        """
        CREATE TABLE dimension_sets (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            account TEXT, channel TEXT, provider TEXT, route TEXT, campaign TEXT, country TEXT, direction TEXT);
        CREATE UNIQUE INDEX ux_dimension_sets ON dimension_sets(team_id, kind,
            IFNULL(account, ''), IFNULL(channel, ''), IFNULL(provider, ''), IFNULL(route, ''),
            IFNULL(campaign, ''), IFNULL(country, ''), IFNULL(direction, ''));
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL,
            item_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            status INTEGER NOT NULL,
            status_at INTEGER NOT NULL,
            earliest_at INTEGER NOT NULL,
            first_sent_at INTEGER,
            first_success_at INTEGER,
            dimension_set_id INTEGER NOT NULL,
            recipient TEXT,
            cost REAL NOT NULL,
            event_count INTEGER NOT NULL,
            event_minutes BLOB NOT NULL,
            last_event_received_at INTEGER NOT NULL);
        CREATE UNIQUE INDEX ux_items_team_item ON items(team_id, item_id);
        CREATE INDEX ix_items_recipient ON items(team_id, recipient, earliest_at) WHERE recipient IS NOT NULL;
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL,
            item_ref INTEGER NOT NULL,
            dedupe_key TEXT NOT NULL,
            status INTEGER NOT NULL,
            occurred_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            dimension_set_id INTEGER NOT NULL,
            recipient TEXT,
            error_code TEXT,
            error_message TEXT,
            cost REAL,
            attempt INTEGER,
            text TEXT,
            metadata TEXT);
        CREATE UNIQUE INDEX ux_events_dedupe ON events(team_id, dedupe_key);
        CREATE INDEX ix_events_item ON events(item_ref);
        CREATE TABLE rollups (
            team_id INTEGER NOT NULL,
            granularity INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            dimension_set_id INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (team_id, granularity, bucket, dimension_set_id)) WITHOUT ROWID;
        """,
        """
        DROP TABLE rollups;
        DROP TABLE events;
        DROP TABLE items;
        DROP TABLE dimension_sets;
        DROP TABLE IF EXISTS dimension_sets_reverted_v18;
        """);
}
