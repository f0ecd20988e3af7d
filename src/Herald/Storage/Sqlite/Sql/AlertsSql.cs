namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Alerts: rules, instances (pending, firing, resolved), channels, the notification log.
    public const string AlertRuleColumns = """
        rule_id, rule_name, metric_name, condition, threshold, duration_seconds, severity, notification_channels, filters,
        min_volume, enabled, is_default, created_at, updated_at, escalation
        """;
    public const string SelectAlertRules = "SELECT " + AlertRuleColumns + " FROM alert_rules WHERE team_id = $team ORDER BY id";
    public const string SelectAlertRule = "SELECT " + AlertRuleColumns + " FROM alert_rules WHERE team_id = $team AND rule_id = $rule";
    /// <summary>A built-in rule is offered to a team once (migration 32): 1 row when it is offered now, 0 when it was before.</summary>
    public const string OfferAlertRule = "INSERT INTO alert_rule_offers (team_id, rule_id, offered_at) VALUES ($team, $rule, $now) ON CONFLICT DO NOTHING";
    public const string InsertAlertRule = """
        INSERT INTO alert_rules (team_id, rule_id, rule_name, metric_name, condition, threshold, duration_seconds, severity,
                                 notification_channels, filters, min_volume, enabled, is_default, created_at, updated_at, escalation)
        VALUES ($team, $rule, $name, $metric, $condition, $threshold, $duration, $severity, $channels, $filters, $min_volume,
                $enabled, $is_default, $now, $now, $escalation)
        ON CONFLICT (team_id, rule_id) DO NOTHING
        """;
    public const string UpdateAlertRule = """
        UPDATE alert_rules SET rule_name = $name, metric_name = $metric, condition = $condition, threshold = $threshold,
            duration_seconds = $duration, severity = $severity, notification_channels = $channels, filters = $filters,
            min_volume = $min_volume, enabled = $enabled, updated_at = $now, escalation = $escalation
        WHERE team_id = $team AND rule_id = $rule
        """;
    public const string DeleteAlertRule = "DELETE FROM alert_rules WHERE team_id = $team AND rule_id = $rule";
    public const string AlertColumns = """
        id, public_id, team_id, rule_id, rule_name, metric_name, condition, threshold, severity, state, current_value, sample_size,
        message, pending_since, fired_at, resolved_at, resolution, acknowledged_at, acknowledged_by, last_notified_at,
        notifications_sent, last_evaluated_at, escalation, escalation_level, escalated_at
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
                            acknowledged_at, acknowledged_by, last_notified_at, notifications_sent, last_evaluated_at, escalation,
                            escalation_level, escalated_at)
        VALUES ($public_id, $team, $rule, $name, $metric, $condition, $threshold, $severity, $state, $value, $sample, $message,
                $pending_since, $fired_at, $resolved_at, $resolution, $ack_at, $ack_by, $notified_at, $notifications, $evaluated_at,
                $escalation, $escalation_level, $escalated_at)
        RETURNING id
        """;
    public const string UpdateAlert = """
        UPDATE alerts SET state = $state, current_value = $value, sample_size = $sample, message = $message, severity = $severity,
            threshold = $threshold, fired_at = $fired_at, resolved_at = $resolved_at, resolution = $resolution,
            acknowledged_at = $ack_at, acknowledged_by = $ack_by, last_notified_at = $notified_at,
            notifications_sent = $notifications, last_evaluated_at = $evaluated_at, escalation = $escalation,
            escalation_level = $escalation_level, escalated_at = $escalated_at
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
}
