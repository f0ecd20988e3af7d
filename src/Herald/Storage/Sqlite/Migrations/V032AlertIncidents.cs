namespace Herald.Storage.Sqlite.Migrations;

// Version 32: incident management. A rule's escalation path (channels an alert nobody acknowledged is sent to, one more
// per response target that passes) and an alert's copy of it with how far it went. Built-in rules are offered per rule id,
// so a team gets the built-in rules added later (rate limits, store health, compliance) while one it deleted stays deleted:
// every team already given the defaults is marked as offered the eight rules there were.
internal static class V032AlertIncidents
{
    public static readonly Migration Migration = new(32, "alert escalation paths and levels; built-in rules offered one by one",
        """
        ALTER TABLE alert_rules ADD COLUMN escalation TEXT NOT NULL DEFAULT '';
        ALTER TABLE alerts ADD COLUMN escalation TEXT NOT NULL DEFAULT '';
        ALTER TABLE alerts ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE alerts ADD COLUMN escalated_at INTEGER;
        CREATE TABLE alert_rule_offers (
            team_id INTEGER NOT NULL REFERENCES teams(id),
            rule_id TEXT NOT NULL,
            offered_at INTEGER NOT NULL,
            PRIMARY KEY (team_id, rule_id)) WITHOUT ROWID;
        INSERT INTO alert_rule_offers (team_id, rule_id, offered_at)
            SELECT d.team_id, r.rule_id, d.created_at FROM alert_rule_defaults d CROSS JOIN (
                SELECT 'high_failure_rate' AS rule_id UNION ALL SELECT 'low_delivery_rate' UNION ALL SELECT 'critical_delivery_rate'
                UNION ALL SELECT 'slow_response_time' UNION ALL SELECT 'high_cpu' UNION ALL SELECT 'high_memory'
                UNION ALL SELECT 'high_disk' UNION ALL SELECT 'webhook_processing_delay') r;
        DROP TABLE alert_rule_defaults;
        """,
        """
        CREATE TABLE alert_rule_defaults (
            team_id INTEGER PRIMARY KEY REFERENCES teams(id),
            created_at INTEGER NOT NULL);
        INSERT INTO alert_rule_defaults (team_id, created_at) SELECT team_id, MIN(offered_at) FROM alert_rule_offers GROUP BY team_id;
        DROP TABLE alert_rule_offers;
        ALTER TABLE alerts DROP COLUMN escalated_at;
        ALTER TABLE alerts DROP COLUMN escalation_level;
        ALTER TABLE alerts DROP COLUMN escalation;
        ALTER TABLE alert_rules DROP COLUMN escalation;
        """);
}
