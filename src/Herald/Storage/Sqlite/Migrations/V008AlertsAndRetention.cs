namespace Herald.Storage.Sqlite.Migrations;

// Version 8. Alert rules per team, alert instances (pending, firing, resolved: the
// history), notification channels, a log of notifications; and the retention horizons the maintenance job has
// reached, so queries know from which bucket on each granularity's cells are complete.
internal static class V008AlertsAndRetention
{
    public static readonly Migration Migration = new(8, "alerts and retention: alert rules, alerts, notification channels, retention horizons, maintenance runs",
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
        """);
}
