namespace Herald.Storage;

/// <summary>
/// One alert rule of a team (seed 004's AlertRule): <see cref="MetricName"/> compared with <see cref="Threshold"/> by
/// <see cref="Condition"/> (gt, gte, lt, lte) must hold for <see cref="DurationSeconds"/> before it fires. <see cref="Filters"/>
/// narrow a delivery metric to dimension values (provider=twilio); <see cref="MinVolume"/> is the fewest items behind a
/// delivery metric for it to count. <see cref="Escalation"/> lists the channels an alert nobody acknowledged goes to, one more
/// each time its response target passes. Times are Unix ms.
/// </summary>
public sealed record AlertRuleRecord(
    string RuleId, string RuleName, string MetricName, string Condition, double Threshold, int DurationSeconds, string Severity,
    IReadOnlyList<string> NotificationChannels, IReadOnlyDictionary<string, string[]> Filters, long MinVolume, bool Enabled,
    bool IsDefault, long CreatedAtMs, long UpdatedAtMs, IReadOnlyList<string>? Escalation = null)
{
    public IReadOnlyList<string> EscalationPath => Escalation ?? [];
}

/// <summary>
/// One alert: a rule whose condition started holding. <see cref="State"/> is <c>pending</c> (holding, not yet for the rule's
/// duration), <c>firing</c> or <c>resolved</c>. The rule's name, metric, condition and threshold are copied so history
/// reads the same after the rule changes or goes. <see cref="Escalation"/> is the rule's escalation path, of which the first
/// <see cref="EscalationLevel"/> channels have been notified (the last at <see cref="EscalatedAtMs"/>).
/// </summary>
public sealed record AlertRecord(
    long Id, string PublicId, int TeamId, string RuleId, string RuleName, string MetricName, string Condition, double Threshold,
    string Severity, string State, double? CurrentValue, long? SampleSize, string Message, long PendingSinceMs, long? FiredAtMs,
    long? ResolvedAtMs, string? Resolution, long? AcknowledgedAtMs, string? AcknowledgedBy, long? LastNotifiedAtMs,
    int NotificationsSent, long LastEvaluatedAtMs, IReadOnlyList<string>? Escalation = null, int EscalationLevel = 0, long? EscalatedAtMs = null)
{
    public IReadOnlyList<string> EscalationPath => Escalation ?? [];
}

/// <summary>A team's notification channel (<c>webhook</c> or <c>email</c>) with its configuration as JSON.</summary>
public sealed record AlertChannelRecord(int TeamId, string Channel, string ConfigJson, bool Enabled, long UpdatedAtMs);

public sealed record AlertNotificationRecord(string Channel, string Event, long SentAtMs, bool Ok, int Attempts, string? Error);

public interface IAlertStore
{
    IReadOnlyList<AlertRuleRecord> ListAlertRules(int teamId);
    AlertRuleRecord? FindAlertRule(int teamId, string ruleId);
    /// <summary>Gives a team each built-in rule once (the first time the team is seen after the rule exists); rules it deletes stay deleted.</summary>
    void EnsureDefaultAlertRules(int teamId, IEnumerable<AlertRuleRecord> defaults, long nowMs);
    /// <summary>False when the team already has a rule with that id.</summary>
    bool InsertAlertRule(int teamId, AlertRuleRecord rule, long nowMs);
    bool UpdateAlertRule(int teamId, AlertRuleRecord rule, long nowMs);
    bool DeleteAlertRule(int teamId, string ruleId);

    IReadOnlyList<AlertRecord> ListOpenAlerts(int teamId);
    AlertRecord? FindAlert(int teamId, string publicId);
    IReadOnlyList<AlertRecord> ListAlertHistory(int teamId, long sinceMs, long beforeMs, int limit);
    AlertRecord InsertAlert(AlertRecord alert);
    void UpdateAlert(AlertRecord alert);
    void DeleteAlert(long id);
    /// <summary>Firing alerts per (team, severity), for <c>/metrics</c>.</summary>
    IReadOnlyList<(int TeamId, string Severity, long Count)> CountFiringAlerts();

    IReadOnlyList<AlertChannelRecord> ListAlertChannels(int teamId);
    void UpsertAlertChannel(AlertChannelRecord channel);
    bool DeleteAlertChannel(int teamId, string channel);
    void RecordAlertNotification(long alertId, AlertNotificationRecord notification);
    IReadOnlyList<AlertNotificationRecord> ListAlertNotifications(long alertId);
}

/// <summary>What one maintenance run deleted, by what (minute_rollups, hour_rollups, ..., raw_events).</summary>
public sealed record MaintenanceRunRecord(long StartedAtMs, long FinishedAtMs, IReadOnlyDictionary<string, long> Deleted, string? Error);

public sealed record TableStats(string Name, long Rows);

public sealed record DatabaseStats(
    string Path, long DatabaseBytes, long WalBytes, long ShmBytes, long PageSize, long PageCount, long FreePages, IReadOnlyList<TableStats> Tables);

/// <summary>The retention side of the store: deletes in small batches, each its own short transaction.</summary>
public interface IMaintenanceStore
{
    /// <summary>Per stored granularity (as its byte value), the first bucket (Unix minutes) whose cells are complete.</summary>
    IReadOnlyDictionary<int, long> LoadRetentionHorizons();
    /// <summary>Advances a horizon (never moves it back).</summary>
    void SetRetentionHorizon(int granularity, long horizon, long nowMs);
    /// <summary>Every rollup scope id (teams, team totals, projections), found by primary-key seeks.</summary>
    IReadOnlyList<int> ListRollupScopes();
    /// <summary>Deletes up to <paramref name="limit"/> cells of one scope and granularity with bucket &lt; <paramref name="before"/>.</summary>
    int DeleteRollupBatch(int scope, int granularity, long before, int limit);
    /// <summary>Deletes up to <paramref name="limit"/> failure cells of one team and granularity with bucket &lt; <paramref name="before"/>.</summary>
    int DeleteFailureCellBatch(int teamId, int granularity, long before, int limit);
    /// <summary>Deletes up to <paramref name="limit"/> raw events older than <paramref name="beforeMs"/> at or below the engine checkpoint.</summary>
    int DeleteEventBatch(long beforeMs, int limit);
    /// <summary>Deletes up to <paramref name="limit"/> resolved alerts resolved before <paramref name="beforeMs"/>, with their notifications.</summary>
    int DeleteResolvedAlertBatch(long beforeMs, int limit);
    /// <summary>Deletes up to <paramref name="limit"/> analytics snapshots whose period ended before <paramref name="beforeMs"/>.</summary>
    int DeleteSnapshotBatch(long beforeMs, int limit);
    /// <summary>Deletes up to <paramref name="limit"/> consent changes before <paramref name="beforeMs"/> that a later change of the same recipient supersedes.</summary>
    int DeleteSupersededConsentBatch(long beforeMs, int limit);
    void RecordMaintenanceRun(MaintenanceRunRecord run);
    MaintenanceRunRecord? LastMaintenanceRun();
    DatabaseStats DatabaseStats();
}
