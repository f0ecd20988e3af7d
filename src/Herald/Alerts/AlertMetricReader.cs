using Herald.Analytics;
using Herald.Analytics.Consent;
using Herald.Domain;
using Herald.Monitoring;
using Herald.Storage;

namespace Herald.Alerts;

/// <summary>
/// A metric's value for a rule. <see cref="Sample"/> is the count behind it (items with an outcome for a rate, latencies
/// for a percentile, requests for the API percentile; null for a gauge). For a rate, <see cref="Bound"/> is the Wilson
/// 95 % bound (in percent) the condition is judged on: the lower bound for gt/gte, the upper for lt/lte.
/// </summary>
public sealed record MetricReading(double? Value, long? Sample, double? Bound, int WindowMinutes)
{
    public static MetricReading None(int window) => new(null, 0, null, window);
}

/// <summary>What one evaluation reads once for every team: the system sample, the request windows, and a store probe (made first).</summary>
public sealed class EvaluationCycle(SystemMetrics system, RequestMetrics requests, StoreHealth store)
{
    /// <summary>The cycle's probe, made before any team is read: a store that hangs is recorded as failing before it holds up the cycle.</summary>
    public StoreProbeResult StoreProbe { get; } = store.Probe();

    private SystemSnapshot? _snapshot;
    private readonly Dictionary<(bool, int), RequestWindow> _windows = new();

    public SystemSnapshot Snapshot => _snapshot ??= system.Sample();

    public RequestWindow Requests(bool webhooks, int minutes)
    {
        if (!_windows.TryGetValue((webhooks, minutes), out var w))
            _windows[(webhooks, minutes)] = w = webhooks ? requests.Webhooks(minutes) : requests.Api(minutes);
        return w;
    }
}

/// <summary>
/// Reads what rules watch: delivery metrics from the engine's rollups (<see cref="MetricsQuery.Summary"/>, the same cells
/// every other figure comes from) over the sliding window of the last max(duration, 5 min) whole minutes, the current
/// minute included; compliance metrics from the same judgement as <c>/api/v1/analytics/compliance</c> over that window;
/// system metrics from the process sampler and the request histograms.
/// </summary>
public sealed class AlertMetricReader(MetricsQuery metrics, SystemMetrics system, RequestMetrics requests, AlertOptions options,
    StoreHealth storeHealth, ComplianceAnalysis? compliance = null)
{
    public int WindowMinutes(AlertRuleRecord rule) =>
        (int)Math.Ceiling(Math.Max(rule.DurationSeconds, options.MinimumWindow.TotalSeconds) / 60.0);

    public EvaluationCycle NewCycle() => new(system, requests, storeHealth);

    public MetricReading Read(int teamId, AlertRuleRecord rule, DateTimeOffset now, EvaluationCycle cycle)
    {
        int minutes = WindowMinutes(rule);
        switch (rule.MetricName)
        {
            case AlertMetrics.MessageFailureRate:
            case AlertMetrics.DeliveryRate:
            {
                var t = Totals(teamId, rule, now, minutes);
                return Rate(rule.MetricName == AlertMetrics.DeliveryRate ? t.Delivered : t.Failed, t.Delivered + t.Failed, rule.Condition, minutes);
            }
            case AlertMetrics.DeliveryLatencyP95:
            {
                var t = Totals(teamId, rule, now, minutes);
                return t.Cells.LatencyCount <= 0
                    ? MetricReading.None(minutes)
                    : new MetricReading(Math.Round(t.PercentileMs(95) / 1000.0, 3), t.Cells.LatencyCount, null, minutes);
            }
            case AlertMetrics.Volume:
            {
                var t = Totals(teamId, rule, now, minutes);
                return new MetricReading(t.Total, t.Total, null, minutes);
            }
            case AlertMetrics.OptedOutSends:
            case AlertMetrics.QuietHoursSends:
            case AlertMetrics.ComplianceViolations:
            {
                if (compliance is null) return MetricReading.None(minutes);
                var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
                var (sent, optedOut, quiet) = compliance.Violations(teamId, new UtcMinute(to.Value - minutes), to);
                long value = rule.MetricName switch
                {
                    AlertMetrics.OptedOutSends => optedOut,
                    AlertMetrics.QuietHoursSends => quiet,
                    _ => optedOut + quiet,
                };
                return new MetricReading(value, sent, null, minutes);
            }
            case AlertMetrics.RateLimitViolations:
            {
                if (compliance is null) return MetricReading.None(minutes);
                var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
                return new MetricReading(compliance.RateLimitViolations(teamId, new UtcMinute(to.Value - minutes), to), null, null, minutes);
            }
            case AlertMetrics.StoreProbeFailures:
            {
                var (probes, failures) = storeHealth.Window(minutes);
                return new MetricReading(failures, probes, null, minutes);
            }
            case AlertMetrics.QueueDepth: return new MetricReading(cycle.Snapshot.QueueDepth, null, null, minutes);
            case AlertMetrics.CpuPercent: return new MetricReading(cycle.Snapshot.CpuPercent, null, null, minutes);
            case AlertMetrics.MemoryPercent: return new MetricReading(cycle.Snapshot.MemoryPercent, null, null, minutes);
            case AlertMetrics.DiskPercent: return new MetricReading(cycle.Snapshot.DiskPercent, null, null, minutes);
            case AlertMetrics.ApiResponseMsP95:
            {
                var w = cycle.Requests(false, minutes);
                return w.P95Ms is { } p95 ? new MetricReading(Math.Round(p95, 1), w.Requests, null, minutes) : MetricReading.None(minutes);
            }
            case AlertMetrics.WebhookDelaySeconds:
            {
                var w = cycle.Requests(true, minutes);
                return w.MaxMs is { } max ? new MetricReading(Math.Round(max / 1000.0, 3), w.Requests, null, minutes) : MetricReading.None(minutes);
            }
            default: return MetricReading.None(minutes);
        }
    }

    /// <summary>
    /// A rate of <paramref name="k"/> in <paramref name="n"/> items with an outcome, as a percent, with the Wilson 95 % bound
    /// the condition is judged on: the lower bound for gt/gte (the rate is surely above), the upper for lt/lte (surely below).
    /// </summary>
    public static MetricReading Rate(long k, long n, string condition, int windowMinutes)
    {
        if (n == 0) return MetricReading.None(windowMinutes);
        var (lower, upper) = Wilson.Interval(k, n);
        double bound = AlertConditions.IsUpward(condition) ? lower : upper;
        return new MetricReading(MetricTotals.Percent(k, n), n, Math.Round(bound * 100, 4), windowMinutes);
    }

    /// <summary>Whether the rule's condition holds for this reading: enough volume, and for a rate its Wilson bound past the threshold.</summary>
    public static bool Holds(AlertRuleRecord rule, MetricReading r)
    {
        if (r.Value is not { } value) return false;
        if (r.Sample is { } n && n < rule.MinVolume) return false;
        double judged = r.Bound ?? value;
        return AlertConditions.Holds(rule.Condition, judged, rule.Threshold);
    }

    private MetricTotals Totals(int teamId, AlertRuleRecord rule, DateTimeOffset now, int minutes)
    {
        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var from = new UtcMinute(to.Value - minutes);
        var filter = new MetricFilter();
        foreach (var (key, values) in rule.Filters)
            if (AlertMetrics.FilterDimensions.TryGetValue(key, out var d)) filter.Allow(d, values);
        return metrics.Summary([teamId], filter, from, to);
    }
}
