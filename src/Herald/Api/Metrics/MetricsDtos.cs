using Herald.Analytics;
using Herald.Domain;

namespace Herald.Api.Metrics;

public sealed record LatencyDto(double Avg, double P50, double P75, double P90, double P95, double P99);

/// <summary>The summary fields of PRODUCT.md, shared by summary, timeseries points and breakdown rows.</summary>
public sealed record SummaryDto(
    UtcMinute From,
    UtcMinute To,
    long Total,
    long Delivered,
    long Failed,
    long Pending,
    double DeliveryRatePercent,
    double FailureRatePercent,
    IReadOnlyDictionary<string, long> StatusBreakdown,
    LatencyDto? LatencySeconds,
    long Events,
    double Cost)
{
    public static SummaryDto Of(MetricTotals t, UtcMinute from = default, UtcMinute to = default) => new(
        from, to, t.Total, t.Delivered, t.Failed, t.Pending, t.DeliveryRatePercent, t.FailureRatePercent, t.StatusBreakdown,
        Latency(t.Latency), t.Events, t.Cost);

    public static LatencyDto? Latency(LatencySummary? l) => l is null
        ? null
        : new LatencyDto(Math.Round(l.Avg, 6), Math.Round(l.P50, 6), Math.Round(l.P75, 6), Math.Round(l.P90, 6), Math.Round(l.P95, 6), Math.Round(l.P99, 6));
}

public sealed record TimeseriesPointDto(
    UtcMinute Timestamp, long Events, long Total, long Delivered, long Failed, long Pending, double DeliveryRatePercent,
    double FailureRatePercent, IReadOnlyDictionary<string, long> StatusBreakdown, LatencyDto? LatencySeconds, double Cost);

public sealed record TimeseriesDto(UtcMinute From, UtcMinute To, string Granularity, IReadOnlyList<TimeseriesPointDto> Points);

public sealed record BreakdownRowDto(
    string? Key, long Total, long Delivered, long Failed, long Pending, double DeliveryRatePercent, double FailureRatePercent,
    IReadOnlyDictionary<string, long> StatusBreakdown, LatencyDto? LatencySeconds, long Events, double Cost);

public sealed record BreakdownDto(UtcMinute From, UtcMinute To, string By, IReadOnlyList<BreakdownRowDto> Rows);

public static class MetricsDtoMapper
{
    public static TimeseriesPointDto Point(UtcMinute bucket, MetricTotals t)
    {
        var s = SummaryDto.Of(t);
        return new(bucket, s.Events, s.Total, s.Delivered, s.Failed, s.Pending, s.DeliveryRatePercent, s.FailureRatePercent,
            s.StatusBreakdown, s.LatencySeconds, s.Cost);
    }

    public static BreakdownRowDto Row(string? key, MetricTotals t)
    {
        var s = SummaryDto.Of(t);
        return new(key, s.Total, s.Delivered, s.Failed, s.Pending, s.DeliveryRatePercent, s.FailureRatePercent, s.StatusBreakdown,
            s.LatencySeconds, s.Events, s.Cost);
    }
}
