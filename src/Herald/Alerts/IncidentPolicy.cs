using System.Globalization;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Alerts;

/// <summary>
/// Where an alert stands against its response target: when it should be acknowledged by, whether that passed, and how far
/// its rule's escalation path went. Times as the API writes them; null where they do not apply (a pending alert has no
/// target yet, a resolved or acknowledged one escalates no further).
/// </summary>
public sealed record IncidentView(
    string ResponseTarget, long ResponseTargetSeconds, string? RespondBy, bool Overdue, bool? AcknowledgedWithinTarget,
    IReadOnlyList<string> EscalationPath, int EscalationLevel, IReadOnlyList<string> EscalatedTo, string? LastEscalatedAt,
    string? NextEscalationChannel, string? NextEscalationAt);

/// <summary>Seed 003's incident management: severity levels, response times and escalation paths.</summary>
public sealed record IncidentManagementDto(
    IReadOnlyDictionary<string, string> SeverityLevels, IReadOnlyDictionary<string, string> ResponseTimes,
    IReadOnlyDictionary<string, long> ResponseTimeSeconds, IReadOnlyDictionary<string, IReadOnlyList<string>> EscalationPaths);

/// <summary>
/// Response targets per severity (<see cref="AlertOptions.ResponseTargets"/>) and what they mean for an alert: a firing alert
/// not acknowledged by <c>fired_at + target</c> is overdue and goes to its path's first channel; each further target that
/// passes unacknowledged sends it to the next one (escalation level n at <c>fired_at + n × target</c>).
/// </summary>
public sealed class IncidentPolicy(AlertOptions options)
{
    public static readonly IReadOnlyDictionary<string, string> SeverityLevels = new Dictionary<string, string>
    {
        ["critical"] = "System down or major functionality unavailable",
        ["high"] = "Significant performance degradation or feature impairment",
        ["medium"] = "Minor performance issues or non-critical feature problems",
        ["low"] = "Cosmetic issues or enhancement requests",
        ["warning"] = "A threshold is near or crossed; look before it gets worse",
        ["info"] = "For information; no action expected",
    };

    public TimeSpan Target(string severity) => options.ResponseTarget(severity);

    /// <summary>When the alert reaches escalation level <paramref name="level"/> (1 = the path's first channel), unacknowledged.</summary>
    public long EscalationDueMs(AlertRecord alert, int level) => alert.FiredAtMs!.Value + level * (long)Target(alert.Severity).TotalMilliseconds;

    /// <summary>The next escalation step due at <paramref name="nowMs"/>: the channel and the new level; null when none.</summary>
    public (string Channel, int Level)? DueEscalation(AlertRecord alert, long nowMs)
    {
        if (alert.State != "firing" || alert.AcknowledgedAtMs is not null || alert.FiredAtMs is null) return null;
        int level = alert.EscalationLevel;
        if (level >= alert.EscalationPath.Count || nowMs < EscalationDueMs(alert, level + 1)) return null;
        return (alert.EscalationPath[level], level + 1);
    }

    public IncidentView View(AlertRecord a, long nowMs)
    {
        var target = Target(a.Severity);
        long? respondBy = a.FiredAtMs is { } fired ? fired + (long)target.TotalMilliseconds : null;
        bool open = a.State == "firing" && a.AcknowledgedAtMs is null;
        bool escalates = open && a.FiredAtMs is not null && a.EscalationLevel < a.EscalationPath.Count;
        return new IncidentView(Describe(target), (long)target.TotalSeconds, Timestamps.Iso(respondBy), open && respondBy < nowMs,
            a.AcknowledgedAtMs is { } ack && respondBy is { } by ? ack <= by : null, a.EscalationPath, a.EscalationLevel,
            a.EscalationPath.Take(a.EscalationLevel).ToList(), Timestamps.Iso(a.EscalatedAtMs),
            escalates ? a.EscalationPath[a.EscalationLevel] : null, escalates ? Timestamps.Iso(EscalationDueMs(a, a.EscalationLevel + 1)) : null);
    }

    public IncidentManagementDto Management(IEnumerable<AlertRuleRecord> rules) => new(
        SeverityLevels,
        AlertSeverities.All.ToDictionary(s => s, s => Describe(Target(s))),
        AlertSeverities.All.ToDictionary(s => s, s => (long)Target(s).TotalSeconds),
        rules.Where(r => r.EscalationPath.Count > 0).ToDictionary(r => r.RuleId, r => r.EscalationPath));

    /// <summary>A target as the seed writes it: <c>15 minutes</c>, <c>1 hour</c>, <c>24 hours</c> (seconds when not whole minutes).</summary>
    public static string Describe(TimeSpan t)
    {
        static string Of(long n, string unit) => $"{n.ToString(CultureInfo.InvariantCulture)} {unit}{(n == 1 ? "" : "s")}";
        if (t.Ticks % TimeSpan.TicksPerHour == 0) return Of((long)t.TotalHours, "hour");
        if (t.Ticks % TimeSpan.TicksPerMinute == 0) return Of((long)t.TotalMinutes, "minute");
        return Of((long)Math.Ceiling(t.TotalSeconds), "second");
    }
}
