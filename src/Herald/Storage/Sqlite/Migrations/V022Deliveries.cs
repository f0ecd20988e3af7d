namespace Herald.Storage.Sqlite.Migrations;

// Version 22: deliveries, their attempts (one engine item each) and tracking events (one engine event each), the
// engine-sync mark, and the teams' delivery settings.
// Deliveries are listed newest first by id; created_at grows with id (the delivery writer makes it so), so the
// (team, created_at) index reads a time window in the same order. Status, agent and customer filters read their own
// indexes in id order (SQLite appends the rowid to every index).
// Every tracking event up to delivery_engine_sync.synced_through is in the engine; those after it are submitted again at
// start (the engine drops the ones it has by their event ids).
internal static class V022Deliveries
{
    public static readonly Migration Migration = new(22, "deliveries, attempts, tracking events and delivery settings",
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            customer_id TEXT NOT NULL,
            agent_id INTEGER REFERENCES agents(id),
            address TEXT NOT NULL,
            longitude REAL NOT NULL,
            latitude REAL NOT NULL,
            scheduled_time INTEGER NOT NULL,
            estimated_duration INTEGER NOT NULL,
            status INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            package_details TEXT,
            fragile INTEGER NOT NULL,
            call_log_id TEXT,
            recording_id TEXT,
            actual_delivery_time INTEGER,
            feedback_rating INTEGER,
            feedback_comments TEXT,
            feedback_at INTEGER,
            retry_count INTEGER NOT NULL,
            max_retries INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);
        CREATE INDEX ix_deliveries_created ON deliveries(team_id, created_at);
        CREATE INDEX ix_deliveries_agent_status ON deliveries(team_id, agent_id, status);
        CREATE INDEX ix_deliveries_status ON deliveries(team_id, status);
        CREATE INDEX ix_deliveries_customer ON deliveries(team_id, customer_id);
        CREATE TABLE delivery_attempts (
            delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
            attempt INTEGER NOT NULL,
            team_id INTEGER NOT NULL,
            agent_id INTEGER,
            carrier_id INTEGER,
            country TEXT,
            scheduled_time INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            earliest_at INTEGER NOT NULL,
            status INTEGER NOT NULL,
            status_at INTEGER NOT NULL,
            assigned_at INTEGER,
            in_transit_at INTEGER,
            completed_at INTEGER,
            PRIMARY KEY (delivery_id, attempt)) WITHOUT ROWID;
        CREATE INDEX ix_delivery_attempts_window ON delivery_attempts(team_id, earliest_at);
        CREATE INDEX ix_delivery_attempts_carrier ON delivery_attempts(carrier_id) WHERE carrier_id IS NOT NULL;
        CREATE TABLE delivery_tracking (
            id INTEGER PRIMARY KEY,
            delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
            attempt INTEGER NOT NULL,
            status INTEGER NOT NULL,
            occurred_at INTEGER NOT NULL,
            longitude REAL,
            latitude REAL,
            notes TEXT,
            agent_id INTEGER,
            recorded_at INTEGER NOT NULL);
        CREATE INDEX ix_delivery_tracking_delivery ON delivery_tracking(delivery_id);
        CREATE TABLE delivery_engine_sync (id INTEGER PRIMARY KEY CHECK (id = 1), synced_through INTEGER NOT NULL);
        INSERT INTO delivery_engine_sync (id, synced_through) VALUES (1, 0);
        CREATE TABLE delivery_settings (
            team_id INTEGER PRIMARY KEY REFERENCES teams(id),
            max_active_deliveries INTEGER NOT NULL,
            retry_backoff_minutes INTEGER NOT NULL,
            twilio TEXT,
            updated_at INTEGER NOT NULL);
        """,
        """
        DROP TABLE delivery_settings;
        DROP TABLE delivery_engine_sync;
        DROP TABLE delivery_tracking;
        DROP TABLE delivery_attempts;
        DROP TABLE deliveries;
        """);
}
