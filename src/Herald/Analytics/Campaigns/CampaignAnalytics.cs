using Herald.Analytics.Failures;
using Herald.Domain;
using Herald.Storage;
using static Herald.Engine.EventParser;

namespace Herald.Analytics.Campaigns;

/// <summary>Delivery percentiles as seed 003 nests them under <c>delivery_time_percentiles</c>.</summary>
public sealed record DeliveryTimePercentiles(double? P50, double? P75, double? P90, double? P95);

/// <summary>
/// A campaign's delivery timing. <see cref="AverageDeliveryTimeSeconds"/> and <see cref="DeliveryTimePercentiles"/> are seed
/// 003's names for <see cref="AverageDeliverySeconds"/> and the flat p50-p95, kept beside them for earlier clients.
/// </summary>
public sealed record CampaignTiming(
    double? AverageDeliverySeconds, double? FastestDeliverySeconds, double? SlowestDeliverySeconds, double? P50, double? P75, double? P90, double? P95)
{
    public double? AverageDeliveryTimeSeconds => AverageDeliverySeconds;
    public DeliveryTimePercentiles DeliveryTimePercentiles => new(P50, P75, P90, P95);
}

/// <summary>Seed 003's <c>execution_summary</c>: sent = the campaign's items, failed = those whose status is a failure.</summary>
public sealed record CampaignExecutionSummary(
    long? TotalRecipients, long MessagesSent, long MessagesDelivered, long MessagesFailed, double DeliveryRatePercent, double? ExecutionDurationMinutes);

/// <summary>
/// Seed 003's <c>campaign_performance</c>: the same figures as the report around it, in the seed's shape;
/// <c>performance_breakdown</c> is the status breakdown keyed by the status in upper case (<c>DELIVERED</c>, <c>SENT</c>, ...).
/// </summary>
public sealed record CampaignPerformance(
    string CampaignId, string CampaignName, CampaignExecutionSummary ExecutionSummary, IReadOnlyDictionary<string, long> PerformanceBreakdown,
    CampaignTiming TimingAnalysis);

public sealed record CampaignErrorCount(string Code, string Category, string Description, string Resolution, long Count);

/// <summary>A campaign in a list: its progress and outcome over the last 30 days.</summary>
public sealed record CampaignSummary(
    string CampaignId, string CampaignName, bool Declared, long? TotalRecipients, long Processed, long? Remaining, double? ProgressPercentage,
    long Delivered, long Failed, double DeliveryRatePercent, double FailureRatePercent);

public sealed record CampaignReport(
    string CampaignId, string CampaignName, bool Declared, long? TotalRecipients, long Processed, long? Remaining, double? ProgressPercentage,
    long Delivered, long Failed, long Pending, double DeliveryRatePercent, double FailureRatePercent, long Events, double Cost,
    double AvgSendRateTps, double CurrentSendRateTps, string? EstimatedCompletion, string? FirstActivity, string? LastActivity,
    double? ExecutionDurationMinutes, IReadOnlyDictionary<string, long> StatusBreakdown, CampaignTiming TimingAnalysis,
    IReadOnlyList<CampaignErrorCount> ErrorBreakdown)
{
    public CampaignPerformance CampaignPerformance => new(CampaignId, CampaignName,
        new CampaignExecutionSummary(TotalRecipients, Processed, Delivered, Failed, DeliveryRatePercent, ExecutionDurationMinutes),
        StatusBreakdown.ToDictionary(p => p.Key.ToUpperInvariant(), p => p.Value, StringComparer.Ordinal), TimingAnalysis);
}

/// <summary>
/// Campaign progress and performance from the rollups filtered by campaign. <c>processed</c> counts the campaign's
/// items; progress is processed over the recipients declared with the campaign. The window starts a day before
/// the campaign was declared (or 30 days back for a campaign only seen in events). The average send rate is
/// items per second over the span between the first and the last event; the estimated completion extrapolates the
/// last ten minutes' rate over the remaining recipients (none when nothing was sent in them).
/// Timing percentiles come from the merged latency histograms (within 1.5 %).
/// </summary>
public sealed class CampaignAnalytics(MetricsQuery metrics, ICampaignStore campaigns, FailureAnalysis failures, TimeProvider time)
{
    private static readonly TimeSpan UndeclaredLookback = TimeSpan.FromDays(30);
    private const int CurrentRateMinutes = 10;

    public CampaignReport? Report(int teamId, string campaignId)
    {
        var declared = campaigns.FindCampaign(teamId, campaignId);
        var now = time.GetUtcNow();
        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var from = LifetimeStart(declared, now);
        var filter = new MetricFilter().Allow(Dimension.Campaign, [campaignId]);
        var totals = metrics.Summary([teamId], filter, from, to);
        if (declared is null && totals.Total == 0 && totals.Events == 0) return null;

        var (first, last) = ActivitySpan(teamId, filter, from, to);
        double span = first is { } f && last is { } l ? Math.Max(60, (l.Value - f.Value + 1) * 60.0) : 0;
        double avgRate = span > 0 ? Math.Round(totals.Total / span, 4) : 0;
        var recent = metrics.Summary([teamId], filter, new UtcMinute(to.Value - CurrentRateMinutes), to);
        double currentRate = Math.Round(recent.Total / (CurrentRateMinutes * 60.0), 4);

        long? total = declared?.TotalRecipients;
        long? remaining = total is { } t ? Math.Max(0, t - totals.Total) : null;
        double? progress = total is > 0 ? Math.Round(Math.Min(100, totals.Total * 100.0 / total.Value), 2) : null;
        string? eta = remaining switch
        {
            0 when last is { } done => done.Next(Granularity.Minute).ToString(),
            > 0 when currentRate > 0 => FormatTimestamp((now + TimeSpan.FromSeconds(remaining.Value / currentRate)).ToUnixTimeMilliseconds()),
            _ => null,
        };

        var latency = totals.Latency;
        var timing = new CampaignTiming(latency?.Avg,
            latency is null ? null : Math.Round(totals.PercentileMs(0) / 1000, 4), latency is null ? null : Math.Round(totals.PercentileMs(100) / 1000, 4),
            latency?.P50, latency?.P75, latency?.P90, latency?.P95);
        // Failures are read from raw events: only the span in which the campaign had traffic.
        var errors = new List<CampaignErrorCount>();
        if (first is { } spanStart && last is { } spanEnd)
        {
            var report = failures.Analyze(teamId, spanStart.ToUnixMillis(), spanEnd.Next(Granularity.Minute).ToUnixMillis(), filter, limit: 5);
            foreach (var c in report.ByCode)
                if (c.Count > 0) errors.Add(new CampaignErrorCount(c.Class.Code, c.Class.Category, c.Class.Description, c.Class.Resolution, c.Count));
        }
        return new CampaignReport(campaignId, declared?.Name ?? campaignId, declared is not null, total, totals.Total, remaining, progress,
            totals.Delivered, totals.Failed, totals.Pending, totals.DeliveryRatePercent, totals.FailureRatePercent, totals.Events, totals.Cost,
            avgRate, currentRate, eta, first?.ToString(), last?.Next(Granularity.Minute).ToString(),
            first is { } a && last is { } b ? b.Value - a.Value + 1 : null, totals.StatusBreakdown, timing, errors);
    }

    /// <summary>Where a campaign's items are counted from: a day before it was declared, else 30 days before <paramref name="at"/>.</summary>
    public static UtcMinute LifetimeStart(CampaignRecord? declared, DateTimeOffset at) => declared is null
        ? UtcMinute.FromDateTimeOffset(at - UndeclaredLookback)
        : UtcMinute.FromUnixMillis(declared.CreatedAtMs - 86_400_000L);

    /// <summary>
    /// Every campaign declared or seen in the last 30 days with at least <paramref name="minItems"/> items, best delivery
    /// rate first: one breakdown by campaign over the 30 days (declared campaigns' older items are not counted here).
    /// </summary>
    public IReadOnlyList<CampaignSummary> All(int teamId, int minItems)
    {
        var declared = campaigns.ListCampaigns(teamId).ToDictionary(c => c.CampaignId, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var seen = new Dictionary<string, MetricTotals>(StringComparer.Ordinal);
        foreach (var (key, totals) in metrics.Breakdown([teamId], MetricFilter.None, Dimension.Campaign, UtcMinute.FromDateTimeOffset(now - UndeclaredLookback), to, _ => ""))
            if (key is not null && totals.Total > 0) seen[key] = totals;
        var list = new List<CampaignSummary>();
        foreach (var id in declared.Keys.Union(seen.Keys, StringComparer.Ordinal))
        {
            var t = seen.GetValueOrDefault(id);
            long processed = t?.Total ?? 0;
            if (processed < minItems) continue;
            var d = declared.GetValueOrDefault(id);
            long? remaining = d is null ? null : Math.Max(0, d.TotalRecipients - processed);
            double? progress = d is { TotalRecipients: > 0 } ? Math.Round(Math.Min(100, processed * 100.0 / d.TotalRecipients), 2) : null;
            list.Add(new CampaignSummary(id, d?.Name ?? id, d is not null, d?.TotalRecipients, processed, remaining, progress,
                t?.Delivered ?? 0, t?.Failed ?? 0, t?.DeliveryRatePercent ?? 0, t?.FailureRatePercent ?? 0));
        }
        list.Sort((x, y) => y.DeliveryRatePercent != x.DeliveryRatePercent ? y.DeliveryRatePercent.CompareTo(x.DeliveryRatePercent)
            : string.CompareOrdinal(x.CampaignId, y.CampaignId));
        return list;
    }

    /// <summary>The first and last minute with events, found coarse to fine (day, hour, minute) so a long window costs a few reads.</summary>
    private (UtcMinute? First, UtcMinute? Last) ActivitySpan(int teamId, MetricFilter filter, UtcMinute from, UtcMinute to)
    {
        UtcMinute? Find(bool first)
        {
            var (lo, hi) = (from, to);
            foreach (var g in (Granularity[])[Granularity.Day, Granularity.Hour, Granularity.Minute])
            {
                var points = metrics.Timeseries([teamId], filter, lo, hi, g, latency: false);
                int index = -1;
                for (int i = 0; i < points.Count; i++)
                {
                    int j = first ? i : points.Count - 1 - i;
                    if (points[j].Totals.Events > 0) { index = j; break; }
                }
                if (index < 0) return null;
                var bucket = points[index].Bucket;
                lo = bucket < from ? from : bucket;
                var next = bucket.Next(g);
                hi = next > to ? to : next;
            }
            return lo;
        }
        return (Find(first: true), Find(first: false));
    }
}
