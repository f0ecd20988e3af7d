using System.Text.Json;
using System.Text.RegularExpressions;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Alerts;

/// <summary>A rule as the API receives it; on PUT every omitted field keeps its value.</summary>
public sealed record AlertRuleRequest(
    string? RuleId, string? RuleName, string? MetricName, string? Condition, double? Threshold, int? Duration, string? Severity,
    string[]? NotificationChannels, Dictionary<string, JsonElement>? Filters, long? MinVolume, bool? Enabled, string[]? Escalation = null);

/// <summary>
/// A team's alert rules: validation, the built-in defaults (seeds 003 and 004), and storage. Each default is given to a team
/// once, the first time the team is seen after the default exists; it can then be edited, disabled or deleted like any rule.
/// </summary>
public sealed partial class AlertRules(IAlertStore store, TimeProvider time)
{
    /// <summary>Rate rules without a <c>min_volume</c> need this many items with an outcome behind them.</summary>
    public const long DefaultRateMinVolume = 50;
    public const int MaxDurationSeconds = 86_400;
    public const int MaxEscalationSteps = 5;
    private static readonly string[] AllChannels = [AlertChannels.Webhook, AlertChannels.Email];

    public static IReadOnlyList<AlertRuleRecord> Defaults { get; } =
    [
        Rule("high_failure_rate", "High Message Failure Rate", AlertMetrics.MessageFailureRate, "gt", 5, 300, "critical", DefaultRateMinVolume),
        Rule("low_delivery_rate", "Low Delivery Rate", AlertMetrics.DeliveryRate, "lt", 95, 300, "warning", DefaultRateMinVolume),
        Rule("critical_delivery_rate", "Critical Delivery Rate", AlertMetrics.DeliveryRate, "lt", 90, 300, "critical", DefaultRateMinVolume),
        Rule("slow_response_time", "Slow API Response Time", AlertMetrics.ApiResponseMsP95, "gt", 1000, 300, "warning", 20),
        Rule("high_cpu", "High CPU", AlertMetrics.CpuPercent, "gt", 80, 300, "warning", 0),
        Rule("high_memory", "High Memory", AlertMetrics.MemoryPercent, "gt", 85, 300, "warning", 0),
        Rule("high_disk", "High Disk Usage", AlertMetrics.DiskPercent, "gt", 90, 300, "critical", 0),
        Rule("webhook_processing_delay", "Webhook Processing Delay", AlertMetrics.WebhookDelaySeconds, "gt", 30, 60, "high", 0),
        Rule("rate_limit_exceeded", "Rate Limit Exceeded", AlertMetrics.RateLimitViolations, "gt", 0, 0, "high", 0),
        Rule("database_connection_issues", "Database Connection Issues", AlertMetrics.StoreProbeFailures, "gt", 0, 0, "critical", 0),
        Rule("compliance_violation", "Compliance Violation", AlertMetrics.ComplianceViolations, "gt", 0, 0, "high", 0),
    ];

    private static AlertRuleRecord Rule(string id, string name, string metric, string condition, double threshold, int duration, string severity, long minVolume) =>
        new(id, name, metric, condition, threshold, duration, severity, AllChannels, new Dictionary<string, string[]>(), minVolume, true, true, 0, 0);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _ensured = new();

    /// <summary>Once per team and process: the store's check is a write transaction.</summary>
    public void EnsureDefaults(int teamId)
    {
        if (_ensured.ContainsKey(teamId)) return;
        store.EnsureDefaultAlertRules(teamId, Defaults, time.GetUtcNow().ToUnixTimeMilliseconds());
        _ensured[teamId] = true;
    }

    public IReadOnlyList<AlertRuleRecord> List(int teamId)
    {
        EnsureDefaults(teamId);
        return store.ListAlertRules(teamId);
    }

    public AlertRuleRecord? Find(int teamId, string ruleId)
    {
        EnsureDefaults(teamId);
        return store.FindAlertRule(teamId, ruleId);
    }

    /// <summary>Builds a rule from a request over <paramref name="existing"/> (null for a new rule), or names the bad field.</summary>
    public static (AlertRuleRecord? Rule, string? Field, string? Issue) Build(AlertRuleRequest body, AlertRuleRecord? existing)
    {
        string? ruleId = existing?.RuleId ?? body.RuleId?.Trim();
        if (existing is null)
        {
            ruleId ??= "rule_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
            if (!RuleIdPattern().IsMatch(ruleId)) return Bad("rule_id", "1-64 of a-z, 0-9, '_', '-', '.', starting with a letter or digit");
        }
        else if (body.RuleId is not null && body.RuleId != existing.RuleId) return Bad("rule_id", "cannot be changed (it is the path's id)");

        string? name = body.RuleName?.Trim() ?? existing?.RuleName;
        if (string.IsNullOrEmpty(name) || name.Length > 200) return Bad("rule_name", "is required (1-200 characters)");

        string? metricName = body.MetricName?.Trim() ?? existing?.MetricName;
        var metric = AlertMetrics.Find(metricName);
        if (metric is null) return Bad("metric_name", "one of " + string.Join(", ", AlertMetrics.All.Select(m => m.Name)));

        string? condition = body.Condition?.Trim().ToLowerInvariant() ?? existing?.Condition;
        if (condition is null || Array.IndexOf(AlertConditions.All, condition) < 0) return Bad("condition", "one of gt, gte, lt, lte");

        double? threshold = body.Threshold ?? existing?.Threshold;
        if (threshold is not { } t || !double.IsFinite(t)) return Bad("threshold", "is required (a number)");
        if (metric.Unit == "percent" && t is < 0 or > 100) return Bad("threshold", "a percentage, 0-100");
        if (t < 0) return Bad("threshold", "cannot be negative");

        int duration = body.Duration ?? existing?.DurationSeconds ?? 0;
        if (duration is < 0 or > MaxDurationSeconds) return Bad("duration", $"seconds the condition must hold, 0-{MaxDurationSeconds}");

        string severity = body.Severity?.Trim().ToLowerInvariant() ?? existing?.Severity ?? "warning";
        if (Array.IndexOf(AlertSeverities.All, severity) < 0) return Bad("severity", "one of " + string.Join(", ", AlertSeverities.All));

        var channels = body.NotificationChannels?.Select(c => c?.Trim().ToLowerInvariant() ?? "").Distinct().ToArray()
            ?? existing?.NotificationChannels.ToArray() ?? AllChannels;
        foreach (var c in channels)
            if (Array.IndexOf(AlertChannels.All, c) < 0) return Bad("notification_channels", $"unknown channel '{c}'; one of {string.Join(", ", AlertChannels.All)}");

        var filters = existing?.Filters.ToDictionary(p => p.Key, p => p.Value) ?? new Dictionary<string, string[]>();
        if (body.Filters is not null)
        {
            filters = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var (key, value) in body.Filters)
            {
                if (!AlertMetrics.FilterDimensions.ContainsKey(key))
                    return Bad("filters", $"unknown dimension '{key}'; one of {string.Join(", ", AlertMetrics.FilterDimensions.Keys)}");
                var values = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                    JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
                        value.EnumerateArray().Select(v => v.GetString()!.Trim()).Where(v => v.Length > 0).ToArray(),
                    _ => null,
                };
                if (values is null || values.Length == 0) return Bad("filters", $"'{key}' must be a string or a list of strings");
                foreach (var v in values)
                    if (Identifier.Problem(v, Identifier.MaxDimensionLength) is { } issue) return Bad("filters", $"a '{key}' value {issue}");
                filters[key] = values;
            }
        }
        var escalation = body.Escalation?.Select(c => c?.Trim().ToLowerInvariant() ?? "").ToArray() ?? existing?.EscalationPath.ToArray() ?? [];
        if (escalation.Length > MaxEscalationSteps) return Bad("escalation", $"at most {MaxEscalationSteps} channels");
        foreach (var c in escalation)
            if (Array.IndexOf(AlertChannels.All, c) < 0) return Bad("escalation", $"unknown channel '{c}'; one of {string.Join(", ", AlertChannels.All)}");

        if (filters.Count > 0 && metric.Source != MetricSource.Rollups)
            return Bad("filters", $"{metric.Name} is a {(metric.Source == MetricSource.System ? "system" : "compliance")} metric; filters apply to delivery metrics only");

        long minVolume = body.MinVolume ?? existing?.MinVolume ?? (metric.IsRate ? DefaultRateMinVolume : 0);
        if (minVolume < 0) return Bad("min_volume", "cannot be negative");

        bool enabled = body.Enabled ?? existing?.Enabled ?? true;
        return (new AlertRuleRecord(ruleId!, name, metric.Name, condition, t, duration, severity, channels, filters, minVolume, enabled,
            existing?.IsDefault ?? false, existing?.CreatedAtMs ?? 0, existing?.UpdatedAtMs ?? 0, escalation), null, null);
    }

    private static (AlertRuleRecord?, string?, string?) Bad(string field, string issue) => (null, field, issue);

    public bool Create(int teamId, AlertRuleRecord rule)
    {
        EnsureDefaults(teamId);
        return store.InsertAlertRule(teamId, rule, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public bool Update(int teamId, AlertRuleRecord rule) => store.UpdateAlertRule(teamId, rule, time.GetUtcNow().ToUnixTimeMilliseconds());

    public bool Delete(int teamId, string ruleId)
    {
        EnsureDefaults(teamId);
        return store.DeleteAlertRule(teamId, ruleId);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,63}$")]
    private static partial Regex RuleIdPattern();
}
