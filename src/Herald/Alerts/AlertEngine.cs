using System.Globalization;
using Herald.Storage;
using Herald.Tenancy;

namespace Herald.Alerts;

/// <summary>
/// The alert lifecycle. Each evaluation reads every enabled rule of every team: when its condition holds an alert opens as
/// <c>pending</c>; once the condition has held for the rule's <c>duration</c> (at every evaluation since) it turns
/// <c>firing</c> and is notified once; while it fires unacknowledged it is notified again every
/// <see cref="AlertOptions.ReminderInterval"/>; when the condition stops holding it is <c>resolved</c> and that is notified.
/// A pending alert whose condition stops is dropped (it never fired, so it is no history). A firing alert nobody acknowledged
/// within its severity's response target goes to the next channel of its rule's escalation path (<see cref="IncidentPolicy"/>).
/// State is written before a notification goes out, so a restart never notifies twice (a crash between the two loses that
/// one notification).
/// Rule changes, acknowledgements and manual resolves go through the same lock as evaluation.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A singleton for the process's lifetime: disposing its semaphore at shutdown would only race the last background callers.")]
public sealed class AlertEngine(
    IAlertStore store, AlertRules rules, AlertMetricReader reader, AlertNotifier notifier, TeamDirectory teams,
    AlertOptions options, IncidentPolicy incidents, TimeProvider time, ILogger<AlertEngine> logger)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly List<Task> _notifications = [];

    public long Evaluations { get; private set; }

    /// <summary>One evaluation of every team's rules; notifications are sent in the background (see <see cref="DrainAsync"/>).</summary>
    public async Task EvaluateAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            var cycle = reader.NewCycle();
            foreach (var team in teams.All)
            {
                try
                {
                    EvaluateTeam(team.Id, team.Name, now, cycle, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "alert evaluation of team {Team} failed", team.Name);
                }
            }
            Evaluations++;
        }
        finally
        {
            _lock.Release();
        }
    }

    private void EvaluateTeam(int teamId, string teamName, DateTimeOffset now, EvaluationCycle cycle, CancellationToken ct)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        var open = store.ListOpenAlerts(teamId).ToDictionary(a => a.RuleId, StringComparer.Ordinal);
        foreach (var rule in rules.List(teamId))
        {
            open.Remove(rule.RuleId, out var alert);
            if (!rule.Enabled)
            {
                if (alert is not null) Close(alert, teamName, nowMs, "rule_disabled", rule.NotificationChannels, ct);
                continue;
            }
            var reading = reader.Read(teamId, rule, now, cycle);
            bool holds = AlertMetricReader.Holds(rule, reading);
            string message = Describe(rule, reading);
            if (!holds)
            {
                if (alert is not null) Close(alert with { CurrentValue = reading.Value, SampleSize = reading.Sample }, teamName, nowMs, "auto", rule.NotificationChannels, ct);
                continue;
            }
            alert ??= store.InsertAlert(new AlertRecord(0, "alt_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)),
                teamId, rule.RuleId, rule.RuleName, rule.MetricName, rule.Condition, rule.Threshold, rule.Severity, "pending", reading.Value,
                reading.Sample, message, nowMs, null, null, null, null, null, null, 0, nowMs, rule.EscalationPath));
            alert = alert with
            {
                CurrentValue = reading.Value, SampleSize = reading.Sample, Message = message, LastEvaluatedAtMs = nowMs,
                Threshold = rule.Threshold, Severity = rule.Severity, Escalation = rule.EscalationPath,
            };
            string? notify = null;
            if (alert.State == "pending" && nowMs - alert.PendingSinceMs >= rule.DurationSeconds * 1000L)
            {
                alert = alert with { State = "firing", FiredAtMs = nowMs };
                notify = "firing";
            }
            else if (alert.State == "firing" && alert.AcknowledgedAtMs is null && alert.LastNotifiedAtMs is { } last
                     && nowMs - last >= options.ReminderInterval.TotalMilliseconds)
            {
                notify = "reminder";
            }
            if (notify is not null) alert = alert with { LastNotifiedAtMs = nowMs, NotificationsSent = alert.NotificationsSent + 1 };
            var escalation = incidents.DueEscalation(alert, nowMs);
            if (escalation is { } step)
                alert = alert with { EscalationLevel = step.Level, EscalatedAtMs = nowMs, NotificationsSent = alert.NotificationsSent + 1 };
            store.UpdateAlert(alert);
            if (notify is not null) Send(alert, teamName, notify, rule.NotificationChannels, ct);
            if (escalation is { } sent) Send(alert, teamName, "escalated", [sent.Channel], ct);
        }
        // Open alerts whose rule is gone.
        foreach (var orphan in open.Values) Close(orphan, teamName, nowMs, "rule_deleted", AlertChannels.All, ct);
    }

    /// <summary>Resolves an open alert: a firing one is recorded and notified; a pending one never fired and is dropped.</summary>
    private AlertRecord? Close(AlertRecord alert, string teamName, long nowMs, string resolution, IReadOnlyList<string> channels, CancellationToken ct)
    {
        if (alert.State == "pending")
        {
            store.DeleteAlert(alert.Id);
            return null;
        }
        alert = alert with
        {
            State = "resolved", ResolvedAtMs = nowMs, Resolution = resolution, LastEvaluatedAtMs = nowMs, LastNotifiedAtMs = nowMs,
            NotificationsSent = alert.NotificationsSent + 1,
        };
        store.UpdateAlert(alert);
        Send(alert, teamName, "resolved", channels, ct);
        return alert;
    }

    public async Task<AlertRecord?> AcknowledgeAsync(int teamId, string alertId, string by, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var alert = store.FindAlert(teamId, alertId);
            if (alert is null || alert.State == "resolved" || alert.AcknowledgedAtMs is not null) return alert;
            alert = alert with { AcknowledgedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(), AcknowledgedBy = by };
            store.UpdateAlert(alert);
            return alert;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Resolves by hand. If the condition still holds, the next evaluation opens a new alert (pending again).</summary>
    public async Task<AlertRecord?> ResolveAsync(int teamId, string alertId, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var alert = store.FindAlert(teamId, alertId);
            if (alert is null || alert.State == "resolved") return alert;
            var team = teams.ById(teamId)?.Name ?? teamId.ToString(CultureInfo.InvariantCulture);
            var channels = store.FindAlertRule(teamId, alert.RuleId)?.NotificationChannels ?? AlertChannels.All;
            long now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (alert.State == "pending")
            {
                alert = alert with { State = "resolved", ResolvedAtMs = now, Resolution = "manual" };
                store.UpdateAlert(alert);
                return alert;
            }
            return Close(alert, team, now, "manual", channels, ct);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void Send(AlertRecord alert, string teamName, string eventName, IReadOnlyList<string> channels, CancellationToken ct)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await notifier.NotifyAsync(alert, teamName, eventName, channels, ct);
            }
            catch (Exception e)
            {
                logger.LogError(e, "notifying alert {Alert} failed", alert.PublicId);
            }
        }, CancellationToken.None);
        lock (_notifications)
        {
            _notifications.RemoveAll(t => t.IsCompleted);
            _notifications.Add(task);
        }
    }

    /// <summary>Waits for notifications still being sent (at shutdown, and in tests).</summary>
    public Task DrainAsync()
    {
        lock (_notifications) return Task.WhenAll(_notifications.ToArray());
    }

    private static string Describe(AlertRuleRecord rule, MetricReading r)
    {
        var ci = CultureInfo.InvariantCulture;
        var metric = AlertMetrics.Find(rule.MetricName)!;
        string unit = metric.Unit == "percent" ? " %" : " " + metric.Unit;
        if (r.Value is not { } v) return $"{rule.MetricName}: no data in the last {r.WindowMinutes} min";
        string text = $"{rule.MetricName} is {v.ToString("0.###", ci)}{unit} (threshold {AlertConditions.Symbol(rule.Condition)} {rule.Threshold.ToString("0.###", ci)}{unit})";
        if (r.Bound is { } b)
            text += $", Wilson 95 % {(AlertConditions.IsUpward(rule.Condition) ? "lower" : "upper")} bound {b.ToString("0.##", ci)} %";
        if (r.Sample is { } n)
            text += $", over {n} {(rule.MetricName == AlertMetrics.StoreProbeFailures ? "probes" : metric.Source == MetricSource.System ? "requests" : "items")}";
        if (metric.Source != MetricSource.System
            || rule.MetricName is AlertMetrics.ApiResponseMsP95 or AlertMetrics.WebhookDelaySeconds or AlertMetrics.StoreProbeFailures)
            text += $" in the last {r.WindowMinutes} min";
        return text;
    }
}

/// <summary>Runs <see cref="AlertEngine.EvaluateAsync"/> every <see cref="AlertOptions.EvaluationInterval"/>.</summary>
public sealed class AlertEvaluationService(AlertEngine engine, AlertOptions options, TimeProvider time, ILogger<AlertEvaluationService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await engine.EvaluateAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "alert evaluation failed; retrying at the next interval");
            }
            try
            {
                await Task.Delay(options.EvaluationInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await engine.DrainAsync().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
