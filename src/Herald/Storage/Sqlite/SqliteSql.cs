namespace Herald.Storage.Sqlite;

/// <summary>Every SQL statement of the SQLite store, in one place: the PostgreSQL store has its own twin.</summary>
internal static class SqliteSql
{
    public const string ConnectionPragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = {0};
        PRAGMA busy_timeout = 10000;
        PRAGMA cache_size = -{1};
        PRAGMA temp_store = MEMORY;
        PRAGMA foreign_keys = ON;
        """;

    public static readonly Migration[] Migrations =
    [
        new(1, "directory: teams, accounts, api keys",
            """
            CREATE TABLE teams (
                id INTEGER PRIMARY KEY,
                public_id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL UNIQUE,
                webhook_token TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL);
            CREATE TABLE accounts (
                id INTEGER PRIMARY KEY,
                team_id INTEGER NOT NULL REFERENCES teams(id),
                name TEXT NOT NULL,
                tps_limit REAL,
                credit_balance REAL,
                created_at INTEGER NOT NULL,
                UNIQUE (team_id, name));
            CREATE TABLE api_keys (
                id INTEGER PRIMARY KEY,
                public_id TEXT NOT NULL UNIQUE,
                team_id INTEGER REFERENCES teams(id),
                name TEXT NOT NULL,
                key_hash BLOB NOT NULL UNIQUE,
                prefix TEXT NOT NULL,
                scopes TEXT NOT NULL,
                rate_limit_requests INTEGER,
                rate_limit_period_ms INTEGER,
                expires_at INTEGER,
                revoked_at INTEGER,
                last_used_at INTEGER,
                usage_count INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL);
            CREATE INDEX ix_api_keys_team ON api_keys(team_id);
            """,
            """
            DROP TABLE api_keys;
            DROP TABLE accounts;
            DROP TABLE teams;
            """),
        new(2, "engine: dimension sets, items, raw events, rollup cells",
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
            """),
        new(3, "write-behind: event that creates an item names it; engine checkpoint",
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
            """),
        new(4, "webhooks: per-team provider secrets and verify tokens",
            """
            CREATE TABLE webhook_secrets (
                team_id INTEGER NOT NULL REFERENCES teams(id),
                provider TEXT NOT NULL,
                secret TEXT,
                verify_token TEXT,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (team_id, provider)) WITHOUT ROWID;
            """,
            """
            DROP TABLE webhook_secrets;
            """),
        // Version 5 (4 and 6 belong to other features). Only failing events enter the index, so ingest of the rest
        // pays nothing; it covers the failure analysis scan (no read of the wide event rows). The statuses are every
        // kind's failure statuses: failed, undelivered, expired, busy, no-answer, canceled, cancelled.
        new(5, "failure analysis: partial covering index of failing events",
            """
            CREATE INDEX ix_events_failures ON events(team_id, occurred_at, status, item_ref, dimension_set_id, error_code)
                WHERE error_code IS NOT NULL OR status IN (3, 4, 5, 11, 12, 13, 19);
            """,
            """
            DROP INDEX ix_events_failures;
            """),
        new(6, "otp delivery: service configurations, one-time codes, delivery attempts",
            """
            CREATE TABLE otp_services (
                id INTEGER PRIMARY KEY,
                team_id INTEGER NOT NULL REFERENCES teams(id),
                name TEXT NOT NULL,
                sender TEXT NOT NULL,
                channels TEXT NOT NULL,
                enabled INTEGER NOT NULL,
                priority INTEGER NOT NULL,
                settings TEXT NOT NULL,
                marked_down INTEGER NOT NULL DEFAULT 0,
                last_validated_at INTEGER,
                validation_ok INTEGER,
                validation_error TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (team_id, name));
            CREATE TABLE otps (
                id INTEGER PRIMARY KEY,
                team_id INTEGER NOT NULL REFERENCES teams(id),
                delivery_id TEXT NOT NULL UNIQUE,
                user_id TEXT NOT NULL,
                recipient TEXT NOT NULL,
                delivery_method TEXT NOT NULL,
                code_hash BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                delivery_status TEXT NOT NULL,
                delivery_service TEXT,
                last_delivery_attempt INTEGER,
                verify_attempts INTEGER NOT NULL DEFAULT 0,
                verified_at INTEGER);
            CREATE INDEX ix_otps_user ON otps(team_id, user_id, created_at DESC);
            CREATE INDEX ix_otps_team_created ON otps(team_id, created_at);
            CREATE INDEX ix_otps_expires ON otps(expires_at);
            CREATE TABLE otp_attempts (
                id INTEGER PRIMARY KEY,
                team_id INTEGER NOT NULL,
                delivery_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                attempt INTEGER NOT NULL,
                service TEXT NOT NULL,
                method TEXT NOT NULL,
                item_id TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                completed_at INTEGER NOT NULL,
                success INTEGER NOT NULL,
                provider_message_id TEXT,
                error_code TEXT,
                error_message TEXT,
                response_ms REAL NOT NULL,
                UNIQUE (delivery_id, attempt));
            CREATE INDEX ix_otp_attempts_started ON otp_attempts(started_at);
            CREATE INDEX ix_otp_attempts_team_started ON otp_attempts(team_id, started_at);
            CREATE INDEX ix_otp_attempts_user ON otp_attempts(team_id, user_id, started_at DESC);
            """,
            """
            DROP TABLE otp_attempts;
            DROP TABLE otps;
            DROP TABLE otp_services;
            """),
        // Version 7: seed 002's analytics snapshots. One row per team, account (NULL = the whole team), period start date
        // and type; the unique index on IFNULL(account, '') makes a NULL account collide with itself, so upserts never duplicate.
        new(7, "analytics snapshots: daily, weekly and monthly metrics per team and account",
            """
            CREATE TABLE analytics_snapshots (
                id INTEGER PRIMARY KEY,
                team_id INTEGER NOT NULL REFERENCES teams(id),
                account TEXT,
                date TEXT NOT NULL,
                snapshot_type TEXT NOT NULL CHECK (snapshot_type IN ('Daily', 'Weekly', 'Monthly')),
                period_start INTEGER NOT NULL,
                period_end INTEGER NOT NULL,
                metrics TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL);
            CREATE UNIQUE INDEX ux_analytics_snapshots ON analytics_snapshots(team_id, snapshot_type, date, IFNULL(account, ''));
            """,
            """
            DROP TABLE analytics_snapshots;
            """),
        // Version 8. Alert rules per team, alert instances (pending, firing, resolved: the
        // history), notification channels, a log of notifications; and the retention horizons the maintenance job has
        // reached, so queries know from which bucket on each granularity's cells are complete.
        new(8, "alerts and retention: alert rules, alerts, notification channels, retention horizons, maintenance runs",
            """
            CREATE TABLE alert_rules (
                id INTEGER PRIMARY KEY,
                team_id INTEGER NOT NULL REFERENCES teams(id),
                rule_id TEXT NOT NULL,
                rule_name TEXT NOT NULL,
                metric_name TEXT NOT NULL,
                condition TEXT NOT NULL,
                threshold REAL NOT NULL,
                duration_seconds INTEGER NOT NULL,
                severity TEXT NOT NULL,
                notification_channels TEXT NOT NULL,
                filters TEXT NOT NULL,
                min_volume INTEGER NOT NULL,
                enabled INTEGER NOT NULL,
                is_default INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (team_id, rule_id));
            CREATE TABLE alert_rule_defaults (
                team_id INTEGER PRIMARY KEY REFERENCES teams(id),
                created_at INTEGER NOT NULL);
            CREATE TABLE alerts (
                id INTEGER PRIMARY KEY,
                public_id TEXT NOT NULL UNIQUE,
                team_id INTEGER NOT NULL REFERENCES teams(id),
                rule_id TEXT NOT NULL,
                rule_name TEXT NOT NULL,
                metric_name TEXT NOT NULL,
                condition TEXT NOT NULL,
                threshold REAL NOT NULL,
                severity TEXT NOT NULL,
                state TEXT NOT NULL,
                current_value REAL,
                sample_size INTEGER,
                message TEXT NOT NULL,
                pending_since INTEGER NOT NULL,
                fired_at INTEGER,
                resolved_at INTEGER,
                resolution TEXT,
                acknowledged_at INTEGER,
                acknowledged_by TEXT,
                last_notified_at INTEGER,
                notifications_sent INTEGER NOT NULL DEFAULT 0,
                last_evaluated_at INTEGER NOT NULL);
            CREATE UNIQUE INDEX ux_alerts_open ON alerts(team_id, rule_id) WHERE state <> 'resolved';
            CREATE INDEX ix_alerts_history ON alerts(team_id, fired_at) WHERE fired_at IS NOT NULL;
            CREATE TABLE alert_channels (
                team_id INTEGER NOT NULL REFERENCES teams(id),
                channel TEXT NOT NULL,
                config TEXT NOT NULL,
                enabled INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (team_id, channel)) WITHOUT ROWID;
            CREATE TABLE alert_notifications (
                id INTEGER PRIMARY KEY,
                alert_id INTEGER NOT NULL,
                channel TEXT NOT NULL,
                event TEXT NOT NULL,
                sent_at INTEGER NOT NULL,
                ok INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                error TEXT);
            CREATE INDEX ix_alert_notifications_alert ON alert_notifications(alert_id);
            CREATE TABLE retention_horizons (
                granularity INTEGER PRIMARY KEY,
                horizon INTEGER NOT NULL,
                updated_at INTEGER NOT NULL);
            CREATE TABLE maintenance_runs (
                id INTEGER PRIMARY KEY,
                started_at INTEGER NOT NULL,
                finished_at INTEGER NOT NULL,
                deleted TEXT NOT NULL,
                error TEXT);
            """,
            """
            DROP TABLE maintenance_runs;
            DROP TABLE retention_horizons;
            DROP TABLE alert_notifications;
            DROP TABLE alert_channels;
            DROP TABLE alerts;
            DROP TABLE alert_rule_defaults;
            DROP TABLE alert_rules;
            """),
        new(9, "accounts: when the credit balance was last stated",
            """
            ALTER TABLE accounts ADD COLUMN balance_set_at INTEGER;
            UPDATE accounts SET balance_set_at = created_at WHERE credit_balance IS NOT NULL;
            """,
            """
            ALTER TABLE accounts DROP COLUMN balance_set_at;
            """),
        new(10, "campaigns declared with their recipients",
            """
            CREATE TABLE campaigns (
                id INTEGER PRIMARY KEY,
                team_id INTEGER NOT NULL REFERENCES teams(id),
                campaign_id TEXT NOT NULL,
                name TEXT NOT NULL,
                total_recipients INTEGER NOT NULL,
                account TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (team_id, campaign_id));
            """,
            """
            DROP TABLE campaigns;
            """),
        // Only events with a text (inbound messages) enter these; the keyword index only short texts, as keywords are one word.
        new(11, "consent and inbound: indexes of inbound texts",
            """
            CREATE INDEX ix_events_text ON events(team_id, occurred_at, recipient) WHERE text IS NOT NULL;
            CREATE INDEX ix_events_keywords ON events(team_id, recipient, occurred_at, text) WHERE text IS NOT NULL AND length(text) <= 32;
            """,
            """
            DROP INDEX ix_events_keywords;
            DROP INDEX ix_events_text;
            """),
        // Version 12: seed 004's generated reports. The file lives under reports/<team>/ of the data directory; the row
        // keeps its parameters and summary (JSON text) and its state while it runs.
        new(12, "reports: generated report files with their parameters, summary and status",
            """
            CREATE TABLE reports (
                id TEXT PRIMARY KEY,
                team_id INTEGER NOT NULL REFERENCES teams(id),
                type TEXT NOT NULL,
                format TEXT NOT NULL,
                params TEXT NOT NULL,
                file_name TEXT,
                size INTEGER,
                created_at INTEGER NOT NULL,
                completed_at INTEGER,
                status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
                error TEXT,
                summary TEXT);
            CREATE INDEX ix_reports_team_created ON reports(team_id, created_at DESC);
            CREATE INDEX ix_reports_created ON reports(created_at);
            """,
            """
            DROP TABLE reports;
            """),
        // Version 13: failure cells, the failing events per team, bucket (hour, day, month), dimension set and error code
        // ('' for none). The writer keeps them with the rollup cells; this backfills them from the raw events the stored
        // items and rollups already include (up to the engine checkpoint: recovery replays the rest and counts it then),
        // under each item's stored dimension set. A failure: an error code, or a failure status of the item's kind
        // (message failed/undelivered/expired, otp failed/expired, call busy/no-answer/failed/canceled, parcel failed/cancelled).
        new(13, "failure analysis: failure cells per hour, day and month, backfilled from the raw events",
            """
            CREATE TABLE failure_cells (
                team_id INTEGER NOT NULL,
                granularity INTEGER NOT NULL,
                bucket INTEGER NOT NULL,
                dimension_set_id INTEGER NOT NULL,
                error_code TEXT NOT NULL,
                failures INTEGER NOT NULL,
                PRIMARY KEY (team_id, granularity, bucket, dimension_set_id, error_code)) WITHOUT ROWID;
            INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures)
            SELECT e.team_id, 2, e.occurred_at / 3600000 * 60, i.dimension_set_id, IFNULL(e.error_code, ''), COUNT(*)
            FROM events e INDEXED BY ix_events_failures JOIN items i ON i.id = e.item_ref
            WHERE (e.error_code IS NOT NULL OR e.status IN (3, 4, 5, 11, 12, 13, 19))
              AND e.id <= (SELECT applied_event_id FROM engine_checkpoint WHERE id = 1)
              AND (e.error_code IS NOT NULL
                   OR (i.kind = 1 AND e.status IN (3, 4, 5)) OR (i.kind = 2 AND e.status IN (3, 5))
                   OR (i.kind = 3 AND e.status IN (3, 11, 12, 13)) OR (i.kind = 4 AND e.status IN (3, 19)))
            GROUP BY e.team_id, e.occurred_at / 3600000 * 60, i.dimension_set_id, IFNULL(e.error_code, '');
            INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures)
            SELECT team_id, 3, bucket / 1440 * 1440, dimension_set_id, error_code, SUM(failures)
            FROM failure_cells WHERE granularity = 2
            GROUP BY team_id, bucket / 1440 * 1440, dimension_set_id, error_code;
            INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures)
            SELECT team_id, 4, unixepoch(bucket * 60, 'unixepoch', 'start of month') / 60 AS month, dimension_set_id, error_code, SUM(failures)
            FROM failure_cells WHERE granularity = 3
            GROUP BY team_id, month, dimension_set_id, error_code;
            """,
            """
            DROP TABLE failure_cells;
            """),
        // Version 14: consent kept at write time. The writer records every keyword inbound (STOP, START, HELP, ...) in the
        // transaction of its raw event; the backfill classifies the stored short texts with the same C# function
        // (herald_consent_code, registered on the migrating connection), after which the raw keyword index has no reader.
        // State codes: 0 help, 1 opt-in, 2 opt-out, 3 stopped (by restriction: at equal times the higher code wins).
        new(14, "consent: keyword changes per contact, kept by the writer; backfilled from the raw events",
            """
            CREATE TABLE consent_changes (
                team_id INTEGER NOT NULL,
                recipient TEXT NOT NULL,
                occurred_at INTEGER NOT NULL,
                state INTEGER NOT NULL,
                event_ref INTEGER NOT NULL,
                keyword TEXT NOT NULL,
                PRIMARY KEY (team_id, recipient, occurred_at, state, event_ref)) WITHOUT ROWID;
            CREATE INDEX ix_consent_changes_time ON consent_changes(team_id, occurred_at, state);
            INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword)
                SELECT team_id, recipient, occurred_at, herald_consent_code(text), id, herald_consent_keyword(text)
                FROM events INDEXED BY ix_events_keywords
                WHERE text IS NOT NULL AND length(text) <= 32 AND recipient IS NOT NULL AND herald_consent_code(text) IS NOT NULL;
            DROP INDEX ix_events_keywords;
            """,
            """
            CREATE INDEX ix_events_keywords ON events(team_id, recipient, occurred_at, text) WHERE text IS NOT NULL AND length(text) <= 32;
            DROP TABLE consent_changes;
            """),
        // Version 15: compliance settings. A contact's own time zone and quiet hours (local minutes of the day, start
        // inclusive, end exclusive; NULL = the team's), the team's defaults; and the recipient index widened by the
        // dimension set, so compliance reads an item's direction from the index alone (same count of indexes on items).
        new(15, "compliance: contact and team time zones and quiet hours; recipient index covering the dimension set",
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
            """),
        // Version 16: items by earliest event, covering recipient and dimension set, so compliance reads any stretch of a
        // team's sends in time order from the index alone (the writer rewrites index entries only when those columns change).
        new(16, "items by earliest event, covering recipient and dimension set",
            "CREATE INDEX ix_items_earliest ON items(team_id, earliest_at, recipient, dimension_set_id);",
            "DROP INDEX ix_items_earliest;"),
    ];

    public const string CreateMigrationsTable =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
    public const string SelectAppliedMigrations = "SELECT version, applied_at FROM schema_migrations ORDER BY version";
    public const string InsertMigration = "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($v, $n, $t)";
    public const string DeleteMigration = "DELETE FROM schema_migrations WHERE version = $v";

    // Engine, write side.
    public const string MaxItemId = "SELECT MAX(IFNULL((SELECT MAX(id) FROM items), 0), IFNULL((SELECT MAX(item_ref) FROM events), 0))";
    public const string MaxEventId = "SELECT IFNULL(MAX(id), 0) FROM events";
    public const string ReadCheckpoint = "SELECT applied_event_id FROM engine_checkpoint WHERE id = 1";
    public const string SetCheckpoint = "UPDATE engine_checkpoint SET applied_event_id = $id WHERE id = 1";
    public const string SelectEventsAfter = """
        SELECT id, team_id, item_ref, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient, error_code,
               error_message, cost, attempt, text, metadata, new_item_id
        FROM events WHERE id > $id ORDER BY id
        """;
    public const string SelectItem = """
        SELECT id, kind, status, status_at, earliest_at, first_sent_at, first_success_at, dimension_set_id,
               recipient, cost, event_count, event_minutes, last_event_received_at
        FROM items WHERE team_id = $team AND item_id = $item
        """;
    public const string SelectItemByRef = """
        SELECT id, kind, status, status_at, earliest_at, first_sent_at, first_success_at, dimension_set_id,
               recipient, cost, event_count, event_minutes, last_event_received_at, team_id, item_id
        FROM items WHERE id = $id
        """;
    public const string InsertEvent = """
        INSERT INTO events (team_id, item_ref, dedupe_key, status, occurred_at, received_at, dimension_set_id,
                            recipient, error_code, error_message, cost, attempt, text, metadata, new_item_id)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
        ON CONFLICT (team_id, dedupe_key) DO NOTHING
        """;
    // Insert and update of an item share positions: ?1 id, ?2 team, ?3 item id, ?4.. the state.
    public const string InsertItem = """
        INSERT INTO items (id, team_id, item_id, kind, status, status_at, earliest_at, first_sent_at, first_success_at,
                           dimension_set_id, recipient, cost, event_count, event_minutes, last_event_received_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
        """;
    public const string UpdateItem = """
        UPDATE items SET kind = ?4, status = ?5, status_at = ?6, earliest_at = ?7, first_sent_at = ?8, first_success_at = ?9,
            dimension_set_id = ?10, recipient = ?11, cost = ?12, event_count = ?13, event_minutes = ?14,
            last_event_received_at = ?15
        WHERE id = ?1 AND team_id = ?2 AND item_id = ?3
        """;
    /// <summary>
    /// <see cref="UpdateItem"/> without the columns the item indexes hold (earliest event, dimension set, recipient), for an
    /// item whose indexed columns did not change: SQLite then leaves those index entries alone. Binds the same ?1-?15.
    /// </summary>
    public const string UpdateItemState = """
        UPDATE items SET kind = ?4, status = ?5, status_at = ?6, first_sent_at = ?8, first_success_at = ?9,
            cost = ?12, event_count = ?13, event_minutes = ?14, last_event_received_at = ?15
        WHERE id = ?1 AND team_id = ?2 AND item_id = ?3
        """;
    /// <summary>Folds a delta into a cell inside SQLite (herald_merge_cell is registered on the writer's connection): no read round trip.</summary>
    public const string MergeCell = """
        INSERT INTO rollups (team_id, granularity, bucket, dimension_set_id, data) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (team_id, granularity, bucket, dimension_set_id) DO UPDATE SET data = herald_merge_cell(data, excluded.data)
        """;
    public const string MergeCellFunction = "herald_merge_cell";
    public const string MergeFailureCell = """
        INSERT INTO failure_cells (team_id, granularity, bucket, dimension_set_id, error_code, failures) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (team_id, granularity, bucket, dimension_set_id, error_code) DO UPDATE SET failures = failure_cells.failures + excluded.failures
        """;
    /// <summary>An item's possibly failing events up to an event id, to move its failure cells when its dimensions change.</summary>
    public const string SelectFailureCandidatesOfItem = """
        SELECT e.occurred_at, e.status, e.error_code FROM events e INDEXED BY ix_events_item
        WHERE e.item_ref = $item AND e.id <= $upTo AND 
        """ + FailingEventTerm;
    public const string SelectItemKeys = "SELECT team_id, item_id FROM items";
    public const string InsertDimensionSet = """
        INSERT INTO dimension_sets (team_id, kind, account, channel, provider, route, campaign, country, direction)
        VALUES ($team, $kind, $account, $channel, $provider, $route, $campaign, $country, $direction)
        RETURNING id
        """;
    public const string SelectDimensionSets = """
        SELECT id, team_id, kind, account, channel, provider, route, campaign, country, direction FROM dimension_sets ORDER BY id
        """;
    public const string EnsureAccount = """
        INSERT INTO accounts (team_id, name, created_at) VALUES ($team, $name, $now) ON CONFLICT (team_id, name) DO NOTHING
        """;

    // Engine, read side.
    public const string SelectCells = """
        SELECT bucket, dimension_set_id, data FROM rollups
        WHERE team_id = $team AND granularity = $g AND bucket >= $from AND bucket < $to
        """;
    public const string SelectCellsOfSets = """
        SELECT bucket, dimension_set_id, data FROM rollups
        WHERE team_id = $team AND granularity = $g AND bucket >= $from AND bucket < $to
          AND dimension_set_id IN (SELECT value FROM json_each($sets))
        """;
    public const string ItemColumns = """
        id, team_id, item_id, kind, status, status_at, earliest_at, first_sent_at, first_success_at,
        dimension_set_id, recipient, cost, event_count
        """;
    public const string SelectItemById = "SELECT " + ItemColumns + " FROM items WHERE team_id = $team AND item_id = $item";
    /// <summary>Item ids grow with creation: the earliest_at of the first row at or after an id, to bisect by time.</summary>
    /// <summary>A team's items in a rowid range whose earliest event is in [$from, $to): examples, not counts.</summary>
    public const string SelectItemsSince = "SELECT " + ItemColumns + " FROM items INDEXED BY ix_items_earliest WHERE team_id = $team AND earliest_at >= $since";
    public const string SelectEventsOfItem = """
        SELECT id, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient, error_code, error_message,
               cost, attempt, text, metadata
        FROM events WHERE item_ref = $item ORDER BY occurred_at, id
        """;
    public const string SelectRecipientHistory = "SELECT " + ItemColumns + """
         FROM items WHERE team_id = $team AND recipient = $recipient ORDER BY earliest_at DESC LIMIT $limit
        """;

    // Failure analysis. The failing-event term must stay word for word the WHERE of ix_events_failures (migration 5):
    // SQLite uses a partial index only when the query's WHERE contains its condition.
    public const string FailingEventTerm = "(e.error_code IS NOT NULL OR e.status IN (3, 4, 5, 11, 12, 13, 19))";
    /// <summary>A read of the events table's root page: the first read of a transaction fixes its WAL snapshot.</summary>
    public const string PinReadSnapshot = "SELECT 1 FROM events LIMIT 1";
    /// <summary>
    /// Failing events of a team in [$from, $to), one row each: the item, its stored dimension set (NULL without a stored
    /// row), status, code, and whether occurred_at &gt;= $mid. Read from the covering partial index and the items' rowids
    /// only; counted by the caller (a GROUP BY here costs more than it saves: a temp B-tree per query).
    /// </summary>
    public const string SelectFailingEvents = """
        SELECT e.item_ref, i.dimension_set_id, e.status, e.error_code, e.occurred_at >= $mid
        FROM events e INDEXED BY ix_events_failures LEFT JOIN items i ON i.id = e.item_ref
        WHERE e.team_id = $team AND e.occurred_at >= $from AND e.occurred_at < $to
          AND 
        """ + FailingEventTerm;

    /// <summary>
    /// A team's failure cells of one granularity in [?3, ?4): a range of the primary key; zero sums (failures moved away)
    /// are left out. Read row by row through SQLite's own API and summed by the caller: cheaper than a GROUP BY's sort.
    /// </summary>
    public const string SelectFailureCells = """
        SELECT dimension_set_id, error_code, failures FROM failure_cells
        WHERE team_id = ?1 AND granularity = ?2 AND bucket >= ?3 AND bucket < ?4 AND failures <> 0
        """;

    // Directory.
    public const string SelectTeams = "SELECT id, public_id, name, webhook_token, created_at FROM teams ORDER BY id";
    public const string InsertTeam = """
        INSERT INTO teams (public_id, name, webhook_token, created_at) VALUES ($public_id, $name, $token, $now) RETURNING id
        """;
    public const string SelectAccounts = """
        SELECT id, team_id, name, tps_limit, credit_balance, created_at, balance_set_at FROM accounts WHERE team_id = $team ORDER BY name
        """;
    public const string UpsertAccount = """
        INSERT INTO accounts (team_id, name, tps_limit, credit_balance, created_at, balance_set_at)
        VALUES ($team, $name, $tps, $credit, $now, CASE WHEN $credit IS NULL THEN NULL ELSE $now END)
        ON CONFLICT (team_id, name) DO UPDATE SET tps_limit = excluded.tps_limit, credit_balance = excluded.credit_balance,
            balance_set_at = excluded.balance_set_at
        RETURNING id, team_id, name, tps_limit, credit_balance, created_at, balance_set_at
        """;
    public const string KeyColumns = """
        id, public_id, team_id, name, prefix, scopes, rate_limit_requests, rate_limit_period_ms, expires_at, revoked_at,
        last_used_at, usage_count, created_at
        """;
    public const string InsertKey = """
        INSERT INTO api_keys (public_id, team_id, name, key_hash, prefix, scopes, rate_limit_requests, rate_limit_period_ms,
                              expires_at, created_at)
        VALUES ($public_id, $team, $name, $hash, $prefix, $scopes, $rl_requests, $rl_period, $expires, $now)
        RETURNING 
        """ + " " + KeyColumns;
    public const string SelectKeyByHash = "SELECT " + KeyColumns + " FROM api_keys WHERE key_hash = $hash";
    public const string SelectKeys = "SELECT " + KeyColumns + " FROM api_keys WHERE ($team IS NULL OR team_id = $team) ORDER BY id";
    public const string RevokeKey = "UPDATE api_keys SET revoked_at = $now WHERE public_id = $public_id AND revoked_at IS NULL";
    public const string AnyAdminKey = "SELECT EXISTS (SELECT 1 FROM api_keys WHERE team_id IS NULL AND revoked_at IS NULL AND scopes LIKE '%admin%')";
    public const string RecordKeyUsage = """
        UPDATE api_keys SET usage_count = usage_count + $uses, last_used_at = MAX(IFNULL(last_used_at, 0), $last) WHERE id = $id
        """;

    // OTP delivery.
    public const string OtpServiceColumns = """
        name, sender, channels, enabled, priority, settings, marked_down, last_validated_at, validation_ok, validation_error,
        created_at, updated_at
        """;
    public const string SelectOtpServices = "SELECT " + OtpServiceColumns + " FROM otp_services WHERE team_id = $team ORDER BY priority, name";
    public const string AnyOtpService = "SELECT EXISTS (SELECT 1 FROM otp_services WHERE team_id = $team)";
    public const string InsertOtpServiceIfMissing = """
        INSERT INTO otp_services (team_id, name, sender, channels, enabled, priority, settings, created_at, updated_at)
        VALUES ($team, $name, $sender, $channels, $enabled, $priority, $settings, $now, $now)
        ON CONFLICT (team_id, name) DO NOTHING
        """;
    public const string UpsertOtpService = """
        INSERT INTO otp_services (team_id, name, sender, channels, enabled, priority, settings, marked_down, created_at, updated_at)
        VALUES ($team, $name, $sender, $channels, $enabled, $priority, $settings, $down, $now, $now)
        ON CONFLICT (team_id, name) DO UPDATE SET sender = excluded.sender, channels = excluded.channels,
            enabled = excluded.enabled, priority = excluded.priority, settings = excluded.settings,
            marked_down = excluded.marked_down, updated_at = excluded.updated_at,
            last_validated_at = CASE WHEN otp_services.settings = excluded.settings AND otp_services.sender = excluded.sender
                                     THEN otp_services.last_validated_at END,
            validation_ok = CASE WHEN otp_services.settings = excluded.settings AND otp_services.sender = excluded.sender
                                 THEN otp_services.validation_ok END,
            validation_error = CASE WHEN otp_services.settings = excluded.settings AND otp_services.sender = excluded.sender
                                    THEN otp_services.validation_error END
        """;
    public const string DeleteOtpService = "DELETE FROM otp_services WHERE team_id = $team AND name = $name";
    public const string RecordOtpServiceValidation = """
        UPDATE otp_services SET last_validated_at = $at, validation_ok = $ok, validation_error = $error
        WHERE team_id = $team AND name = $name
        """;
    public const string OtpColumns = """
        team_id, delivery_id, user_id, recipient, delivery_method, code_hash, created_at, expires_at, delivery_status,
        delivery_service, last_delivery_attempt, verify_attempts, verified_at
        """;
    public const string InsertOtp = """
        INSERT INTO otps (team_id, delivery_id, user_id, recipient, delivery_method, code_hash, created_at, expires_at, delivery_status)
        VALUES ($team, $delivery, $user, $recipient, $method, $hash, $now, $expires, 'pending')
        """;
    public const string SelectOtp = "SELECT " + OtpColumns + " FROM otps WHERE team_id = $team AND delivery_id = $delivery";
    public const string SelectUserOtps = """
        SELECT
        """ + " " + OtpColumns + """
         FROM otps WHERE team_id = $team AND user_id = $user ORDER BY created_at DESC, id DESC LIMIT $limit
        """;
    public const string SelectLatestLiveUserOtp = """
        SELECT
        """ + " " + OtpColumns + """
         FROM otps WHERE team_id = $team AND user_id = $user AND verified_at IS NULL AND expires_at > $now
         ORDER BY created_at DESC, id DESC LIMIT 1
        """;
    public const string UpdateOtpDelivery = """
        UPDATE otps SET delivery_status = $status, delivery_service = $service, last_delivery_attempt = $at
        WHERE team_id = $team AND delivery_id = $delivery
        """;
    public const string CountOtpVerifyAttempt = """
        UPDATE otps SET verify_attempts = verify_attempts + 1
        WHERE team_id = $team AND delivery_id = $delivery AND verified_at IS NULL AND verify_attempts < $max
        RETURNING verify_attempts
        """;
    public const string MarkOtpVerified = """
        UPDATE otps SET verified_at = $now, delivery_status = 'delivered'
        WHERE team_id = $team AND delivery_id = $delivery AND verified_at IS NULL
        """;
    public const string InsertOtpAttempt = """
        INSERT INTO otp_attempts (team_id, delivery_id, user_id, attempt, service, method, item_id, started_at, completed_at,
                                  success, provider_message_id, error_code, error_message, response_ms)
        VALUES ($team, $delivery, $user, $attempt, $service, $method, $item, $started, $completed, $success, $provider_id,
                $error_code, $error_message, $response_ms)
        """;
    public const string OtpAttemptColumns = """
        delivery_id, user_id, attempt, service, method, item_id, started_at, completed_at, success, provider_message_id,
        error_code, error_message, response_ms
        """;
    public const string SelectOtpAttempts = "SELECT " + OtpAttemptColumns + " FROM otp_attempts WHERE team_id = $team AND delivery_id = $delivery ORDER BY attempt";
    public const string SelectUserOtpAttempts = "SELECT " + OtpAttemptColumns + " FROM otp_attempts WHERE team_id = $team AND user_id = $user ORDER BY started_at DESC, attempt DESC LIMIT $limit";
    public const string CountOtpAttemptsSince = "SELECT COUNT(*) FROM otp_attempts WHERE team_id = $team AND started_at >= $since";
    public const string SelectOtpAttemptsSince = "SELECT " + OtpAttemptColumns + " FROM otp_attempts WHERE team_id = $team AND started_at >= $since ORDER BY started_at";
    /// <summary>An OTP still pending or sent when its code expired counts as expired, whether or not the clean-up has marked it yet.</summary>
    public const string OtpStatusCounts = """
        SELECT CASE WHEN delivery_status IN ('pending', 'sent') AND expires_at <= $now THEN 'expired' ELSE delivery_status END AS status,
               delivery_method, IFNULL(delivery_service, ''), COUNT(*),
               SUM(CASE WHEN verified_at IS NOT NULL THEN verified_at - created_at ELSE 0 END),
               SUM(CASE WHEN verified_at IS NOT NULL THEN 1 ELSE 0 END)
        FROM otps WHERE team_id = $team AND created_at >= $since
        GROUP BY 1, 2, 3
        """;
    public const string CountLiveOtps = """
        SELECT COUNT(*) FROM otps WHERE team_id = $team AND verified_at IS NULL AND expires_at > $now AND delivery_status IN ('pending', 'sent')
        """;
    public const string MarkExpiredOtps = """
        UPDATE otps SET delivery_status = 'expired' WHERE expires_at <= $now AND delivery_status IN ('pending', 'sent')
        """;
    public const string DeleteExpiredOtps = "DELETE FROM otps WHERE expires_at < $before";
    public const string DeleteOldOtpAttempts = "DELETE FROM otp_attempts WHERE started_at < $before";
    // Webhooks: the team's token and its per-provider secrets.
    public const string RotateWebhookToken = "UPDATE teams SET webhook_token = $token WHERE id = $id";
    public const string SelectWebhookSecrets = """
        SELECT team_id, provider, secret, verify_token, updated_at FROM webhook_secrets WHERE team_id = $team ORDER BY provider
        """;
    public const string SelectWebhookSecret = """
        SELECT team_id, provider, secret, verify_token, updated_at FROM webhook_secrets WHERE team_id = $team AND provider = $provider
        """;
    public const string UpsertWebhookSecret = """
        INSERT INTO webhook_secrets (team_id, provider, secret, verify_token, updated_at) VALUES ($team, $provider, $secret, $verify, $now)
        ON CONFLICT (team_id, provider) DO UPDATE SET secret = excluded.secret, verify_token = excluded.verify_token, updated_at = excluded.updated_at
        """;
    public const string DeleteWebhookSecret = "DELETE FROM webhook_secrets WHERE team_id = $team AND provider = $provider";

    // Campaigns.
    public const string CampaignColumns = "campaign_id, name, total_recipients, account, created_at, updated_at";
    public const string UpsertCampaign = """
        INSERT INTO campaigns (team_id, campaign_id, name, total_recipients, account, created_at, updated_at)
        VALUES ($team, $campaign, $name, $total, $account, $now, $now)
        ON CONFLICT (team_id, campaign_id) DO UPDATE SET name = excluded.name, total_recipients = excluded.total_recipients,
            account = excluded.account, updated_at = excluded.updated_at
        RETURNING
        """ + " " + CampaignColumns;
    public const string SelectCampaigns = "SELECT " + CampaignColumns + " FROM campaigns WHERE team_id = $team ORDER BY created_at DESC, campaign_id";
    public const string SelectCampaign = "SELECT " + CampaignColumns + " FROM campaigns WHERE team_id = $team AND campaign_id = $campaign";

    // Consent and inbound (migration 14): the writer's consent_changes, and the raw inbound texts (partial index of migration 11,
    // whose WHERE term must stay word for word in the query).
    public const string ConsentCodeFunction = "herald_consent_code";
    public const string ConsentKeywordFunction = "herald_consent_keyword";
    /// <summary>Positional: ?1 team, ?2 recipient, ?3 occurred_at, ?4 state code, ?5 keyword; the event is the one just inserted.</summary>
    public const string InsertConsentChange = """
        INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword)
        VALUES (?1, ?2, ?3, ?4, last_insert_rowid(), ?5) ON CONFLICT DO NOTHING
        """;
    /// <summary>A contact's keywords (help included) in replay order: time, then restriction.</summary>
    public const string SelectContactConsent = """
        SELECT occurred_at, state, keyword FROM consent_changes
        WHERE team_id = $team AND recipient = $recipient AND occurred_at < $until
        ORDER BY occurred_at, state, event_ref
        """;
    /// <summary>
    /// Contacts by their state at $to: per contact the last state change before $to (time, then restriction: the max of
    /// occurred_at * 4 + state), counted per state. One pass over the team's part of the primary key.
    /// </summary>
    public const string SelectConsentStates = """
        SELECT m % 4, COUNT(*) FROM (
            SELECT MAX(occurred_at * 4 + state) AS m FROM consent_changes
            WHERE team_id = $team AND state > 0 AND occurred_at < $to GROUP BY recipient)
        GROUP BY 1
        """;
    /// <summary>Keywords per state code (0 = help) in [$from, $to).</summary>
    public const string SelectConsentChangesInWindow = """
        SELECT state, COUNT(*) FROM consent_changes INDEXED BY ix_consent_changes_time
        WHERE team_id = $team AND occurred_at >= $from AND occurred_at < $to GROUP BY state
        """;
    /// <summary>Every state change of a team (help left out), in replay order per recipient; ?1 = team.</summary>
    public const string SelectConsentChangesOfTeam = """
        SELECT recipient, occurred_at, state FROM consent_changes WHERE team_id = ?1 AND state > 0
        ORDER BY recipient, occurred_at, state, event_ref
        """;
    /// <summary>A team's items with earliest event in [?2, ?3), in time order, from the covering index (migration 16); ?1 = team.</summary>
    public const string SelectItemsByEarliest = """
        SELECT id, earliest_at, dimension_set_id, recipient FROM items INDEXED BY ix_items_earliest
        WHERE team_id = ?1 AND earliest_at >= ?2 AND earliest_at < ?3 ORDER BY earliest_at
        """;
    /// <summary>Item ids of stored rows ($ids: a JSON array of row ids), for examples.</summary>
    public const string SelectItemIdsByRef = "SELECT id, item_id FROM items WHERE id IN (SELECT value FROM json_each($ids))";

    // Compliance settings (migration 15).
    public const string ContactColumns = "recipient, time_zone, quiet_start, quiet_end, created_at, updated_at";
    public const string UpsertContact = """
        INSERT INTO contacts (team_id, recipient, time_zone, quiet_start, quiet_end, created_at, updated_at)
        VALUES ($team, $recipient, $tz, $start, $end, $now, $now)
        ON CONFLICT (team_id, recipient) DO UPDATE SET time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
            quiet_end = excluded.quiet_end, updated_at = excluded.updated_at
        RETURNING
        """ + " " + ContactColumns;
    public const string SelectContact = "SELECT " + ContactColumns + " FROM contacts WHERE team_id = $team AND recipient = $recipient";
    public const string SelectContacts = "SELECT " + ContactColumns + " FROM contacts WHERE team_id = $team ORDER BY recipient";
    public const string DeleteContact = "DELETE FROM contacts WHERE team_id = $team AND recipient = $recipient";
    public const string SelectComplianceSettings = "SELECT time_zone, quiet_start, quiet_end, updated_at FROM compliance_settings WHERE team_id = $team";
    public const string UpsertComplianceSettings = """
        INSERT INTO compliance_settings (team_id, time_zone, quiet_start, quiet_end, updated_at) VALUES ($team, $tz, $start, $end, $now)
        ON CONFLICT (team_id) DO UPDATE SET time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
            quiet_end = excluded.quiet_end, updated_at = excluded.updated_at
        """;
    // Inbound analytics read the partial text index (migration 11) alone: (team, time, sender) covers these counts, so
    // no event row (nor its text) is read; keyword classes come from consent_changes.
    public const string SelectInboundPerHour = """
        SELECT occurred_at / 3600000, COUNT(*) FROM events INDEXED BY ix_events_text
        WHERE team_id = $team AND text IS NOT NULL AND occurred_at >= $from AND occurred_at < $to
        GROUP BY occurred_at / 3600000
        """;
    public const string SelectInboundSenders = """
        SELECT COUNT(DISTINCT recipient) FROM events INDEXED BY ix_events_text
        WHERE team_id = $team AND text IS NOT NULL AND occurred_at >= $from AND occurred_at < $to
        """;
    /// <summary>Texts short enough to be a keyword that came without a sender (the writer records no consent for them).</summary>
    public const string SelectShortTextsWithoutSender = """
        SELECT text FROM events INDEXED BY ix_events_text
        WHERE team_id = $team AND text IS NOT NULL AND occurred_at >= $from AND occurred_at < $to
          AND recipient IS NULL AND length(text) <= $max_length
        """;

    // Analytics snapshots (migration 7). The conflict target is the unique index's own expression list.
    public const string UpsertSnapshot = """
        INSERT INTO analytics_snapshots (team_id, account, date, snapshot_type, period_start, period_end, metrics, created_at, updated_at)
        VALUES ($team, $account, $date, $type, $start, $end, $metrics, $now, $now)
        ON CONFLICT (team_id, snapshot_type, date, IFNULL(account, '')) DO UPDATE SET
            period_start = excluded.period_start, period_end = excluded.period_end, metrics = excluded.metrics, updated_at = excluded.updated_at
        """;
    /// <summary>$account_mode: 0 = team-wide rows only, 1 = the account $account only, 2 = every row.</summary>
    public const string SelectSnapshots = """
        SELECT team_id, account, date, snapshot_type, period_start, period_end, metrics, created_at, updated_at
        FROM analytics_snapshots
        WHERE team_id = $team AND snapshot_type = $type AND date >= $from AND date <= $to
          AND (($account_mode = 0 AND account IS NULL) OR ($account_mode = 1 AND account = $account) OR $account_mode = 2)
        ORDER BY date, IFNULL(account, '')
        LIMIT $limit
        """;
    /// <summary>
    /// A team's message items (kind 1) whose earliest event falls in [$from, $to) and that name a recipient: what the
    /// contact and conversation figures of a snapshot need beyond the rollups. Reads the partial recipient index.
    /// </summary>
    public const string SelectRecipientItems = """
        SELECT item_id, recipient, earliest_at, status, dimension_set_id
        FROM items
        WHERE team_id = $team AND recipient IS NOT NULL AND kind = 1 AND earliest_at >= $from AND earliest_at < $to
        """;
    // Alerts: rules, instances (pending, firing, resolved), channels, the notification log.
    public const string AlertRuleColumns = """
        rule_id, rule_name, metric_name, condition, threshold, duration_seconds, severity, notification_channels, filters,
        min_volume, enabled, is_default, created_at, updated_at
        """;
    public const string SelectAlertRules = "SELECT " + AlertRuleColumns + " FROM alert_rules WHERE team_id = $team ORDER BY id";
    public const string SelectAlertRule = "SELECT " + AlertRuleColumns + " FROM alert_rules WHERE team_id = $team AND rule_id = $rule";
    public const string AlertRuleDefaultsDone = "SELECT EXISTS (SELECT 1 FROM alert_rule_defaults WHERE team_id = $team)";
    public const string MarkAlertRuleDefaultsDone = "INSERT INTO alert_rule_defaults (team_id, created_at) VALUES ($team, $now)";
    public const string InsertAlertRule = """
        INSERT INTO alert_rules (team_id, rule_id, rule_name, metric_name, condition, threshold, duration_seconds, severity,
                                 notification_channels, filters, min_volume, enabled, is_default, created_at, updated_at)
        VALUES ($team, $rule, $name, $metric, $condition, $threshold, $duration, $severity, $channels, $filters, $min_volume,
                $enabled, $is_default, $now, $now)
        ON CONFLICT (team_id, rule_id) DO NOTHING
        """;
    public const string UpdateAlertRule = """
        UPDATE alert_rules SET rule_name = $name, metric_name = $metric, condition = $condition, threshold = $threshold,
            duration_seconds = $duration, severity = $severity, notification_channels = $channels, filters = $filters,
            min_volume = $min_volume, enabled = $enabled, updated_at = $now
        WHERE team_id = $team AND rule_id = $rule
        """;
    public const string DeleteAlertRule = "DELETE FROM alert_rules WHERE team_id = $team AND rule_id = $rule";
    public const string AlertColumns = """
        id, public_id, team_id, rule_id, rule_name, metric_name, condition, threshold, severity, state, current_value, sample_size,
        message, pending_since, fired_at, resolved_at, resolution, acknowledged_at, acknowledged_by, last_notified_at,
        notifications_sent, last_evaluated_at
        """;
    public const string SelectOpenAlerts = "SELECT " + AlertColumns + " FROM alerts WHERE team_id = $team AND state <> 'resolved' ORDER BY id";
    public const string SelectAlert = "SELECT " + AlertColumns + " FROM alerts WHERE team_id = $team AND public_id = $id";
    /// <summary>Alerts that fired (firing or resolved), newest first; <c>$before</c> pages by fired_at.</summary>
    public const string SelectAlertHistory = "SELECT " + AlertColumns + """
         FROM alerts WHERE team_id = $team AND fired_at IS NOT NULL AND fired_at < $before AND fired_at >= $since
         ORDER BY fired_at DESC, id DESC LIMIT $limit
        """;
    public const string InsertAlert = """
        INSERT INTO alerts (public_id, team_id, rule_id, rule_name, metric_name, condition, threshold, severity, state,
                            current_value, sample_size, message, pending_since, fired_at, resolved_at, resolution,
                            acknowledged_at, acknowledged_by, last_notified_at, notifications_sent, last_evaluated_at)
        VALUES ($public_id, $team, $rule, $name, $metric, $condition, $threshold, $severity, $state, $value, $sample, $message,
                $pending_since, $fired_at, $resolved_at, $resolution, $ack_at, $ack_by, $notified_at, $notifications, $evaluated_at)
        RETURNING id
        """;
    public const string UpdateAlert = """
        UPDATE alerts SET state = $state, current_value = $value, sample_size = $sample, message = $message, severity = $severity,
            threshold = $threshold, fired_at = $fired_at, resolved_at = $resolved_at, resolution = $resolution,
            acknowledged_at = $ack_at, acknowledged_by = $ack_by, last_notified_at = $notified_at,
            notifications_sent = $notifications, last_evaluated_at = $evaluated_at
        WHERE id = $id
        """;
    public const string DeleteAlert = "DELETE FROM alerts WHERE id = $id";
    public const string CountFiringAlerts = """
        SELECT team_id, severity, COUNT(*) FROM alerts WHERE state = 'firing' GROUP BY team_id, severity
        """;
    public const string SelectAlertChannels = "SELECT team_id, channel, config, enabled, updated_at FROM alert_channels WHERE team_id = $team ORDER BY channel";
    public const string UpsertAlertChannel = """
        INSERT INTO alert_channels (team_id, channel, config, enabled, updated_at) VALUES ($team, $channel, $config, $enabled, $now)
        ON CONFLICT (team_id, channel) DO UPDATE SET config = excluded.config, enabled = excluded.enabled, updated_at = excluded.updated_at
        """;
    public const string DeleteAlertChannel = "DELETE FROM alert_channels WHERE team_id = $team AND channel = $channel";
    public const string InsertAlertNotification = """
        INSERT INTO alert_notifications (alert_id, channel, event, sent_at, ok, attempts, error)
        VALUES ($alert, $channel, $event, $at, $ok, $attempts, $error)
        """;
    public const string SelectAlertNotifications = """
        SELECT channel, event, sent_at, ok, attempts, error FROM alert_notifications WHERE alert_id = $alert ORDER BY id
        """;

    // Retention. Rollups are WITHOUT ROWID: a batch is a range of the primary key of one scope and granularity.
    public const string SelectRetentionHorizons = "SELECT granularity, horizon FROM retention_horizons";
    public const string UpsertRetentionHorizon = """
        INSERT INTO retention_horizons (granularity, horizon, updated_at) VALUES ($g, $horizon, $now)
        ON CONFLICT (granularity) DO UPDATE SET horizon = MAX(retention_horizons.horizon, excluded.horizon), updated_at = excluded.updated_at
        """;
    /// <summary>The next rollup scope (team, team totals or projection) after <c>$after</c>, one primary-key seek.</summary>
    public const string NextRollupScope = "SELECT team_id FROM rollups WHERE team_id > $after ORDER BY team_id LIMIT 1";
    public const string DeleteRollupBatch = """
        DELETE FROM rollups WHERE (team_id, granularity, bucket, dimension_set_id) IN (
            SELECT team_id, granularity, bucket, dimension_set_id FROM rollups
            WHERE team_id = $team AND granularity = $g AND bucket < $before LIMIT $limit)
        """;
    public const string DeleteFailureCellBatch = """
        DELETE FROM failure_cells WHERE (team_id, granularity, bucket, dimension_set_id, error_code) IN (
            SELECT team_id, granularity, bucket, dimension_set_id, error_code FROM failure_cells
            WHERE team_id = $team AND granularity = $g AND bucket < $before LIMIT $limit)
        """;
    /// <summary>Raw events past retention, only at or below the engine checkpoint: events not yet folded stay for recovery.</summary>
    public const string DeleteEventBatch = """
        DELETE FROM events WHERE id IN (
            SELECT id FROM events WHERE id <= $checkpoint AND occurred_at < $before ORDER BY id LIMIT $limit)
        """;
    public const string InsertMaintenanceRun = """
        INSERT INTO maintenance_runs (started_at, finished_at, deleted, error) VALUES ($started, $finished, $deleted, $error)
        """;
    public const string SelectLastMaintenanceRun = """
        SELECT started_at, finished_at, deleted, error FROM maintenance_runs ORDER BY id DESC LIMIT 1
        """;
    public const string DeleteOldMaintenanceRuns = "DELETE FROM maintenance_runs WHERE id <= (SELECT MAX(id) FROM maintenance_runs) - 1000";
    /// <summary>Tables of the store (not SQLite's own), for the admin statistics.</summary>
    public const string SelectTableNames = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
    /// <summary>Row count of one table; the name comes from <see cref="SelectTableNames"/>, never from a request.</summary>
    public const string CountRowsOf = "SELECT COUNT(*) FROM \"{0}\"";
    public const string PageStats = "SELECT (SELECT page_size FROM pragma_page_size()), (SELECT page_count FROM pragma_page_count()), (SELECT freelist_count FROM pragma_freelist_count())";

    // Contacts: the distinct recipients of a team's items (the partial recipient index of migration 2).
    public const string CountRecipients = "SELECT COUNT(DISTINCT recipient) FROM items WHERE team_id = $team AND recipient IS NOT NULL";
    public const string RecipientKnown = "SELECT EXISTS (SELECT 1 FROM items WHERE team_id = $team AND recipient = $recipient)";

    // Reports (migration 12).
    public const string ReportColumns = "id, team_id, type, format, params, file_name, size, created_at, completed_at, status, error, summary";
    public const string InsertReport = """
        INSERT INTO reports (id, team_id, type, format, params, file_name, size, created_at, completed_at, status, error, summary)
        VALUES ($id, $team, $type, $format, $params, $file, $size, $created, $completed, $status, $error, $summary)
        """;
    public const string CompleteReport = """
        UPDATE reports SET status = 'completed', file_name = $file, size = $size, summary = $summary, completed_at = $completed, error = NULL
        WHERE id = $id
        """;
    public const string FailReport = "UPDATE reports SET status = 'failed', error = $error, completed_at = $completed WHERE id = $id";
    public const string SelectReport = "SELECT " + ReportColumns + " FROM reports WHERE id = $id";
    /// <summary>$type NULL for every type.</summary>
    public const string SelectTeamReports = "SELECT " + ReportColumns + """
         FROM reports WHERE team_id = $team AND ($type IS NULL OR type = $type) ORDER BY created_at DESC, id DESC LIMIT $limit
        """;
    public const string SelectReportsCreatedBefore = "SELECT " + ReportColumns + " FROM reports WHERE created_at < $before ORDER BY created_at LIMIT $limit";
    public const string DeleteReport = "DELETE FROM reports WHERE id = $id";
    public const string FailRunningReports = "UPDATE reports SET status = 'failed', error = $error, completed_at = $now WHERE status = 'running'";

    // Operations.
    public const string Ping = "SELECT 1";
}
