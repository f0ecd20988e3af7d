using Herald.Domain;

namespace Herald.Alerts;

/// <summary>
/// Where a metric comes from: the team's rollups, the team's compliance (sends judged against consent and quiet hours),
/// or the Herald process itself (the same for every team).
/// </summary>
public enum MetricSource { Rollups, System, Compliance }

/// <summary>One metric a rule may watch.</summary>
/// <param name="IsRate">A percentage of items: judged by its Wilson bound, not its point value.</param>
public sealed record AlertMetric(string Name, MetricSource Source, string Unit, bool IsRate, string Description);

/// <summary>The metrics alert rules can watch (names as seed 004 spells them where it names them).</summary>
public static class AlertMetrics
{
    public const string MessageFailureRate = "message_failure_rate";
    public const string DeliveryRate = "delivery_rate";
    public const string DeliveryLatencyP95 = "delivery_latency_p95_seconds";
    public const string Volume = "volume";
    public const string QueueDepth = "queue_depth";
    public const string CpuPercent = "cpu_percent";
    public const string MemoryPercent = "memory_percent";
    public const string DiskPercent = "disk_percent";
    public const string ApiResponseMsP95 = "api_response_ms_p95";
    public const string WebhookDelaySeconds = "webhook_delay_seconds";
    public const string OptedOutSends = "opted_out_sends";
    public const string QuietHoursSends = "quiet_hours_sends";
    public const string ComplianceViolations = "compliance_violations";
    public const string RateLimitViolations = "rate_limit_violations";
    public const string StoreProbeFailures = "store_probe_failures";

    public static readonly AlertMetric[] All =
    [
        new(MessageFailureRate, MetricSource.Rollups, "percent", true, "failed items of those with a final outcome (delivered or failed) whose earliest event is in the window"),
        new(DeliveryRate, MetricSource.Rollups, "percent", true, "delivered items of those with a final outcome whose earliest event is in the window"),
        new(DeliveryLatencyP95, MetricSource.Rollups, "seconds", false, "95th percentile of send-to-delivery latency of the window's items"),
        new(Volume, MetricSource.Rollups, "items", false, "items whose earliest event is in the window"),
        new(QueueDepth, MetricSource.System, "events", false, "events accepted but waiting in the ingest queue"),
        new(CpuPercent, MetricSource.System, "percent", false, "CPU used by the Herald process, of all cores"),
        new(MemoryPercent, MetricSource.System, "percent", false, "the Herald process's resident memory, of the memory limit (cgroup, else physical)"),
        new(DiskPercent, MetricSource.System, "percent", false, "used space of the file system holding the data directory"),
        new(ApiResponseMsP95, MetricSource.System, "milliseconds", false, "95th percentile of Herald's HTTP response time over the window (webhooks and /metrics excluded)"),
        new(WebhookDelaySeconds, MetricSource.System, "seconds", false, "longest provider webhook processing time in the window"),
        new(OptedOutSends, MetricSource.Compliance, "messages", false, "outbound items whose earliest event in the window came while their recipient was stopped or opted out"),
        new(QuietHoursSends, MetricSource.Compliance, "messages", false, "outbound items whose earliest event in the window came inside their recipient's quiet hours"),
        new(ComplianceViolations, MetricSource.Compliance, "violations", false, "opted_out_sends plus quiet_hours_sends of the window (a send breaking both rules counts twice)"),
        new(RateLimitViolations, MetricSource.Compliance, "minutes", false, "minutes of the window in which an account sent more events per second than its tps_limit, summed over the team's accounts"),
        new(StoreProbeFailures, MetricSource.System, "probes", false, "store health probes in the window that failed: a new connection could not open and read the store within 2 s"),
    ];

    public static AlertMetric? Find(string? name) => All.FirstOrDefault(m => m.Name == name);

    /// <summary>The dimensions a rule's <c>filters</c> may name (delivery metrics only).</summary>
    public static readonly Dictionary<string, Dimension> FilterDimensions = new(StringComparer.Ordinal)
    {
        ["account"] = Dimension.Account,
        ["channel"] = Dimension.Channel,
        ["provider"] = Dimension.Provider,
        ["route"] = Dimension.Route,
        ["campaign"] = Dimension.Campaign,
        ["country"] = Dimension.Country,
        ["kind"] = Dimension.Kind,
        ["direction"] = Dimension.Direction,
        ["agent"] = Dimension.Agent,
        ["template"] = Dimension.Template,
    };
}

public static class AlertConditions
{
    public static readonly string[] All = ["gt", "gte", "lt", "lte"];

    public static bool Holds(string condition, double value, double threshold) => condition switch
    {
        "gt" => value > threshold,
        "gte" => value >= threshold,
        "lt" => value < threshold,
        "lte" => value <= threshold,
        _ => false,
    };

    /// <summary>Above-threshold conditions (gt, gte) are judged on a rate's lower bound, below-threshold ones on its upper.</summary>
    public static bool IsUpward(string condition) => condition is "gt" or "gte";

    public static string Symbol(string condition) => condition switch
    {
        "gt" => ">",
        "gte" => ">=",
        "lt" => "<",
        _ => "<=",
    };
}

public static class AlertSeverities
{
    /// <summary>Seed 003's four levels plus seed 004's warning and info.</summary>
    public static readonly string[] All = ["critical", "high", "medium", "low", "warning", "info"];
}

public static class AlertChannels
{
    public const string Webhook = "webhook";
    public const string Email = "email";
    /// <summary>A text message through one of Herald's SMS senders (twilio, phone-email), seed 004's <c>"sms"</c>.</summary>
    public const string Sms = "sms";
    public static readonly string[] All = [Webhook, Email, Sms];
}
