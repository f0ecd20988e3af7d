using System.Text.Json;

namespace Herald.Storage.Sqlite;

/// <summary>Alert rules, alerts and notification channels; retention deletes and database statistics.</summary>
public sealed partial class SqliteStore : IAlertStore, IMaintenanceStore
{
    public IReadOnlyList<AlertRuleRecord> ListAlertRules(int teamId) => ReadRules(SqliteSql.SelectAlertRules, ("$team", teamId));

    public AlertRuleRecord? FindAlertRule(int teamId, string ruleId) =>
        ReadRules(SqliteSql.SelectAlertRule, ("$team", teamId), ("$rule", ruleId)).FirstOrDefault();

    public void EnsureDefaultAlertRules(int teamId, IEnumerable<AlertRuleRecord> defaults, long nowMs)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        foreach (var rule in defaults)
            if (Execute(c, tx, SqliteSql.OfferAlertRule, ("$team", teamId), ("$rule", rule.RuleId), ("$now", nowMs)) == 1)
                Execute(c, tx, SqliteSql.InsertAlertRule, RuleParameters(teamId, rule, nowMs));
        tx.Commit();
    }

    public bool InsertAlertRule(int teamId, AlertRuleRecord rule, long nowMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.InsertAlertRule, RuleParameters(teamId, rule, nowMs)) == 1;
    }

    public bool UpdateAlertRule(int teamId, AlertRuleRecord rule, long nowMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.UpdateAlertRule, RuleParameters(teamId, rule, nowMs)) == 1;
    }

    public bool DeleteAlertRule(int teamId, string ruleId)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteAlertRule, ("$team", teamId), ("$rule", ruleId)) == 1;
    }

    private static (string, object?)[] RuleParameters(int teamId, AlertRuleRecord r, long nowMs) =>
    [
        ("$team", teamId), ("$rule", r.RuleId), ("$name", r.RuleName), ("$metric", r.MetricName), ("$condition", r.Condition),
        ("$threshold", r.Threshold), ("$duration", r.DurationSeconds), ("$severity", r.Severity),
        ("$channels", string.Join(',', r.NotificationChannels)), ("$filters", JsonSerializer.Serialize(r.Filters)),
        ("$min_volume", r.MinVolume), ("$enabled", r.Enabled ? 1 : 0), ("$is_default", r.IsDefault ? 1 : 0), ("$now", nowMs),
        ("$escalation", string.Join(',', r.EscalationPath)),
    ];

    private List<AlertRuleRecord> ReadRules(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<AlertRuleRecord>();
        while (r.Read())
        {
            list.Add(new AlertRuleRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetInt32(5),
                r.GetString(6), r.GetString(7).Split(',', StringSplitOptions.RemoveEmptyEntries),
                JsonSerializer.Deserialize<Dictionary<string, string[]>>(r.GetString(8)) ?? [], r.GetInt64(9), r.GetInt64(10) != 0,
                r.GetInt64(11) != 0, r.GetInt64(12), r.GetInt64(13), r.GetString(14).Split(',', StringSplitOptions.RemoveEmptyEntries)));
        }
        return list;
    }

    public IReadOnlyList<AlertRecord> ListOpenAlerts(int teamId) => ReadAlerts(SqliteSql.SelectOpenAlerts, ("$team", teamId));

    public AlertRecord? FindAlert(int teamId, string publicId) =>
        ReadAlerts(SqliteSql.SelectAlert, ("$team", teamId), ("$id", publicId)).FirstOrDefault();

    public IReadOnlyList<AlertRecord> ListAlertHistory(int teamId, long sinceMs, long beforeMs, int limit) =>
        ReadAlerts(SqliteSql.SelectAlertHistory, ("$team", teamId), ("$since", sinceMs), ("$before", beforeMs), ("$limit", limit));

    public AlertRecord InsertAlert(AlertRecord alert)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.InsertAlert, ("$public_id", alert.PublicId), ("$team", alert.TeamId), ("$rule", alert.RuleId),
            ("$name", alert.RuleName), ("$metric", alert.MetricName), ("$condition", alert.Condition), ("$threshold", alert.Threshold),
            ("$severity", alert.Severity), ("$state", alert.State), ("$value", alert.CurrentValue), ("$sample", alert.SampleSize), ("$message", alert.Message),
            ("$pending_since", alert.PendingSinceMs), ("$fired_at", alert.FiredAtMs), ("$resolved_at", alert.ResolvedAtMs), ("$resolution", alert.Resolution),
            ("$ack_at", alert.AcknowledgedAtMs), ("$ack_by", alert.AcknowledgedBy), ("$notified_at", alert.LastNotifiedAtMs),
            ("$notifications", alert.NotificationsSent), ("$evaluated_at", alert.LastEvaluatedAtMs), ("$escalation", string.Join(',', alert.EscalationPath)),
            ("$escalation_level", alert.EscalationLevel), ("$escalated_at", alert.EscalatedAtMs));
        return alert with { Id = Convert.ToInt64(cmd.ExecuteScalar()) };
    }

    public void UpdateAlert(AlertRecord alert)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpdateAlert, ("$id", alert.Id), ("$state", alert.State), ("$value", alert.CurrentValue), ("$sample", alert.SampleSize),
            ("$message", alert.Message), ("$severity", alert.Severity), ("$threshold", alert.Threshold), ("$fired_at", alert.FiredAtMs),
            ("$resolved_at", alert.ResolvedAtMs), ("$resolution", alert.Resolution), ("$ack_at", alert.AcknowledgedAtMs), ("$ack_by", alert.AcknowledgedBy),
            ("$notified_at", alert.LastNotifiedAtMs), ("$notifications", alert.NotificationsSent), ("$evaluated_at", alert.LastEvaluatedAtMs),
            ("$escalation", string.Join(',', alert.EscalationPath)), ("$escalation_level", alert.EscalationLevel), ("$escalated_at", alert.EscalatedAtMs));
    }

    public void DeleteAlert(long id)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.DeleteAlert, ("$id", id));
    }

    public IReadOnlyList<(int TeamId, string Severity, long Count)> CountFiringAlerts()
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountFiringAlerts);
        using var r = cmd.ExecuteReader();
        var list = new List<(int, string, long)>();
        while (r.Read()) list.Add((r.GetInt32(0), r.GetString(1), r.GetInt64(2)));
        return list;
    }

    private List<AlertRecord> ReadAlerts(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<AlertRecord>();
        while (r.Read())
        {
            list.Add(new AlertRecord(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5),
                r.GetString(6), r.GetDouble(7), r.GetString(8), r.GetString(9), Double(r, 10), Long(r, 11), r.GetString(12),
                r.GetInt64(13), Long(r, 14), Long(r, 15), Text(r, 16), Long(r, 17), Text(r, 18), Long(r, 19), r.GetInt32(20),
                r.GetInt64(21), r.GetString(22).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetInt32(23), Long(r, 24)));
        }
        return list;
    }

    public IReadOnlyList<AlertChannelRecord> ListAlertChannels(int teamId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectAlertChannels, ("$team", teamId));
        using var r = cmd.ExecuteReader();
        var list = new List<AlertChannelRecord>();
        while (r.Read()) list.Add(new AlertChannelRecord(r.GetInt32(0), r.GetString(1), Opened(r, 2)!, r.GetInt64(3) != 0, r.GetInt64(4)));
        return list;
    }

    public void UpsertAlertChannel(AlertChannelRecord channel)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpsertAlertChannel, ("$team", channel.TeamId), ("$channel", channel.Channel), ("$config", Seal(channel.ConfigJson)),
            ("$enabled", channel.Enabled ? 1 : 0), ("$now", channel.UpdatedAtMs));
    }

    public bool DeleteAlertChannel(int teamId, string channel)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteAlertChannel, ("$team", teamId), ("$channel", channel)) == 1;
    }

    public void RecordAlertNotification(long alertId, AlertNotificationRecord notification)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.InsertAlertNotification, ("$alert", alertId), ("$channel", notification.Channel), ("$event", notification.Event),
            ("$at", notification.SentAtMs), ("$ok", notification.Ok ? 1 : 0), ("$attempts", notification.Attempts), ("$error", notification.Error));
    }

    public IReadOnlyList<AlertNotificationRecord> ListAlertNotifications(long alertId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectAlertNotifications, ("$alert", alertId));
        using var r = cmd.ExecuteReader();
        var list = new List<AlertNotificationRecord>();
        while (r.Read()) list.Add(new AlertNotificationRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3) != 0, r.GetInt32(4), Text(r, 5)));
        return list;
    }

    // ---- Retention and statistics ----

    public IReadOnlyDictionary<int, long> LoadRetentionHorizons()
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectRetentionHorizons);
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<int, long>();
        while (r.Read()) map[r.GetInt32(0)] = r.GetInt64(1);
        return map;
    }

    public void SetRetentionHorizon(int granularity, long horizon, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpsertRetentionHorizon, ("$g", granularity), ("$horizon", horizon), ("$now", nowMs));
    }

    public IReadOnlyList<int> ListRollupScopes()
    {
        using var c = Open();
        var scopes = new List<int>();
        long after = long.MinValue;
        using var cmd = Command(c, SqliteSql.NextRollupScope, ("$after", after));
        while (true)
        {
            cmd.Parameters["$after"].Value = after;
            var next = cmd.ExecuteScalar();
            if (next is null or DBNull) return scopes;
            after = Convert.ToInt64(next);
            scopes.Add((int)after);
        }
    }

    public int DeleteRollupBatch(int scope, int granularity, long before, int limit)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteRollupBatch, ("$team", scope), ("$g", granularity), ("$before", before), ("$limit", limit));
    }

    public int DeleteFailureCellBatch(int teamId, int granularity, long before, int limit)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteFailureCellBatch, ("$team", teamId), ("$g", granularity), ("$before", before), ("$limit", limit));
    }

    public int DeleteEventBatch(long beforeMs, int limit)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        long checkpoint;
        using (var cp = Command(c, SqliteSql.ReadCheckpoint))
        {
            cp.Transaction = tx;
            checkpoint = Convert.ToInt64(cp.ExecuteScalar());
        }
        int n = Execute(c, tx, SqliteSql.DeleteEventBatch, ("$checkpoint", checkpoint), ("$before", beforeMs), ("$limit", limit));
        tx.Commit();
        return n;
    }

    public void RecordMaintenanceRun(MaintenanceRunRecord run)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        Execute(c, tx, SqliteSql.InsertMaintenanceRun, ("$started", run.StartedAtMs), ("$finished", run.FinishedAtMs),
            ("$deleted", JsonSerializer.Serialize(run.Deleted)), ("$error", run.Error));
        Execute(c, tx, SqliteSql.DeleteOldMaintenanceRuns);
        tx.Commit();
    }

    public MaintenanceRunRecord? LastMaintenanceRun()
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectLastMaintenanceRun);
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        return new MaintenanceRunRecord(r.GetInt64(0), r.GetInt64(1),
            JsonSerializer.Deserialize<Dictionary<string, long>>(r.GetString(2)) ?? [], Text(r, 3));
    }

    public int DeleteResolvedAlertBatch(long beforeMs, int limit)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        var ids = new List<long>();
        using (var select = Command(c, SqliteSql.SelectResolvedAlertBatch))
        {
            select.Transaction = tx;
            select.Parameters.AddWithValue("$before", beforeMs);
            select.Parameters.AddWithValue("$limit", limit);
            using var r = select.ExecuteReader();
            while (r.Read()) ids.Add(r.GetInt64(0));
        }
        foreach (long id in ids)
        {
            Execute(c, tx, SqliteSql.DeleteAlertNotificationsOf, ("$id", id));
            Execute(c, tx, SqliteSql.DeleteAlert, ("$id", id));
        }
        tx.Commit();
        return ids.Count;
    }

    public int DeleteSnapshotBatch(long beforeMs, int limit) => DeleteBatch(SqliteSql.DeleteSnapshotBatch, beforeMs, limit);

    public int DeleteSupersededConsentBatch(long beforeMs, int limit) => DeleteBatch(SqliteSql.DeleteSupersededConsentBatch, beforeMs, limit);

    private int DeleteBatch(string sql, long beforeMs, int limit)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        int n = Execute(c, tx, sql, ("$before", beforeMs), ("$limit", limit));
        tx.Commit();
        return n;
    }

    public DatabaseStats DatabaseStats()
    {
        using var c = Open();
        var names = new List<string>();
        using (var cmd = Command(c, SqliteSql.SelectTableNames))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) names.Add(r.GetString(0));
        var tables = new List<TableStats>();
        foreach (var name in names)
        {
            using var count = Command(c, string.Format(null, CountRowsOf, name.Replace("\"", "\"\"")));
            tables.Add(new TableStats(name, Convert.ToInt64(count.ExecuteScalar())));
        }
        long pageSize, pageCount, free;
        using (var cmd = Command(c, SqliteSql.PageStats))
        using (var r = cmd.ExecuteReader())
        {
            r.Read();
            (pageSize, pageCount, free) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
        }
        return new DatabaseStats(Path, FileSize(Path), FileSize(Path + "-wal"), FileSize(Path + "-shm"), pageSize, pageCount, free, tables);
    }

    /// <summary>Size of the database file and its WAL, for <c>/metrics</c> (no query).</summary>
    public (long Database, long Wal) FileSizes() => (FileSize(Path), FileSize(Path + "-wal"));

    private static long FileSize(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? info.Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
