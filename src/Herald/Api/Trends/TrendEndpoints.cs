using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Analytics;
using Herald.Analytics.Caching;
using Herald.Analytics.Trends;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Engine;

namespace Herald.Api.Trends;

public sealed record RealtimeMetricsDto(
    DateTimeOffset Timestamp, int WindowSeconds, UtcMinute WindowFrom, UtcMinute WindowTo, long TotalMessages, long MessagesDelivered, long MessagesFailed,
    long MessagesPending, double MessagesPerSecond, double DeliveryRatePercent, double? AvgDeliveryTimeSeconds, double? P95DeliveryTimeSeconds,
    double? P99DeliveryTimeSeconds);

public sealed record TrendPointDto(UtcMinute Timestamp, double Value);
public sealed record TrendDirectionDto(string Direction, double Percentage);
public sealed record TrendStatisticsDto(double MinValue, double MaxValue, double AvgValue, double StdDev);
public sealed record MessageTrendDto(
    string MetricName, string Granularity, int Hours, IReadOnlyList<TrendPointDto> DataPoints, TrendStatisticsDto Statistics, TrendDirectionDto Trend);

public sealed record AnomalyDto(bool IsAnomaly, double AnomalyScore, double ExpectedValue, double ActualValue, UtcMinute Hour);
public sealed record IntervalPointDto(UtcMinute Timestamp, double Value, double Lower, double Upper);
public sealed record CapacityDto(
    double PeakForecastEventsPerSecond, UtcMinute PeakAt, double? TpsLimitTotal, double? PeakUtilizationPercent, string Recommendation);
public sealed record VolumePredictionDto(
    string MetricName, double CurrentValue, double PredictedValue, UtcMinute PredictionTimestamp, double ConfidencePercent,
    [property: System.Text.Json.Serialization.JsonPropertyName("forecast_24h")] IReadOnlyList<double> Forecast24h,
    [property: System.Text.Json.Serialization.JsonPropertyName("forecast_7d")] IReadOnlyList<double> Forecast7d, IReadOnlyList<IntervalPointDto> PredictionIntervals,
    AnomalyDto AnomalyDetection, CapacityDto Capacity, string Model, int HistoryHours, double? BacktestWapePercent);

/// <summary>The real-time window: the last <c>window_seconds</c>, with the metrics API's filters (the window is not the caller's).</summary>
public class RealtimeParameters : DimensionFilterParameters
{
    [FromQuery(Name = "window_seconds"), Description("The window: the last this many seconds, in the whole minutes that cover them. Default: 60.")]
    [Range(1, 3600)]
    public int? WindowSeconds { get; init; }

    public int Seconds => WindowSeconds ?? 60;
}

public sealed class RealtimeSocketParameters : RealtimeParameters
{
    [FromQuery(Name = "interval_seconds"), Description("Seconds between two messages. Default: 1.")]
    [Range(1, 60)]
    public int? IntervalSeconds { get; init; }
}

public sealed class MessageTrendParameters : DimensionFilterParameters
{
    [FromQuery(Name = "metric"), Description("What each point measures. Default: message_volume (events).")]
    [AllowedValues("message_volume", "items", "delivery_rate", "failure_rate", "latency_p95", "cost")]
    public string? Metric { get; init; }

    [FromQuery(Name = "hours"), Description("The window: the last this many hours, from the start of their first bucket. Default: 24.")]
    [Range(1, 168)]
    public int? Hours { get; init; }

    [FromQuery(Name = "granularity"), Description("The bucket of each point. Default: hour.")]
    [AllowedValues("minute", "hour", "day")]
    public string? Granularity { get; init; }
}

public sealed class PredictionParameters : DimensionFilterParameters
{
    [FromQuery(Name = "hours_ahead"), Description("How far the forecast reaches, in hours. Default: 24.")]
    [Range(1, 168)]
    public int? HoursAhead { get; init; }
}

/// <summary>Seed 004's real-time metrics, message trend and volume prediction, all from the rollups.</summary>
public static class TrendEndpoints
{
    private const int HistoryDays = 28;

    public static IEndpointRouteBuilder MapTrendEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/analytics").RequireScope(Scopes.MetricsRead).WithTags("Analytics");
        g.MapGet("/metrics/messages/realtime", Realtime).WithSummary("Items and throughput of the last window_seconds (1-3600, whole minutes)");
        g.MapGet("/trends/messages", Trend).WithSummary("A metric over the last hours (1-168) per minute, hour or day, with statistics and direction");
        g.MapGet("/predictions/message-volume", Predict).WithSummary("Hourly volume forecast with seasonality, intervals, anomaly score and capacity");
        return app;
    }

    private static Ok<SuccessEnvelope<RealtimeMetricsDto>> Realtime([AsParameters] RealtimeParameters parameters, HttpContext http, MetricsQuery query, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var filter = parameters.Filter();
        int seconds = parameters.Seconds;
        var teams = parameters.Teams(http);
        var (from, to) = RealtimeWindow(now, seconds);
        return ApiResults.Ok(http.Cached(CacheTier.Realtime, new CacheScope(teams, DataSource.Rollups, from, to), $"{from.Value}-{to.Value}",
            () => RealtimeOf(query, teams, filter, seconds, now)));
    }

    /// <summary>Rollups are per minute: the window is the minutes that cover the last <paramref name="seconds"/>, the current one included.</summary>
    public static (UtcMinute From, UtcMinute To) RealtimeWindow(DateTimeOffset now, int seconds)
    {
        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        return (new UtcMinute(to.Value - (seconds + 59) / 60), to);
    }

    /// <summary>Seed 004's real-time message metrics of the last <paramref name="seconds"/> (also what the real-time socket sends).</summary>
    public static RealtimeMetricsDto RealtimeOf(MetricsQuery query, IReadOnlyList<int> teams, MetricFilter filter, int seconds, DateTimeOffset now)
    {
        var (from, to) = RealtimeWindow(now, seconds);
        var t = query.Summary(teams, filter, from, to);
        double elapsed = Math.Max(1, (now - from.ToDateTimeOffset()).TotalSeconds);
        var latency = t.Latency;
        return new RealtimeMetricsDto(now, seconds, from, to, t.Total, t.Delivered, t.Failed, t.Pending, Math.Round(t.Events / elapsed, 4), t.DeliveryRatePercent,
            latency?.Avg, latency?.P95, latency?.P99);
    }

    private static Ok<SuccessEnvelope<MessageTrendDto>> Trend([AsParameters] MessageTrendParameters parameters, HttpContext http, MetricsQuery query, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var filter = parameters.Filter();
        int hours = parameters.Hours ?? 24;
        string gText = parameters.Granularity ?? "hour";
        _ = Granularities.TryParse(gText, out var g);
        string metric = parameters.Metric ?? "message_volume";
        Func<MetricTotals, double> value = metric switch
        {
            "message_volume" => t => t.Events,
            "items" => t => t.Total,
            "delivery_rate" => t => t.DeliveryRatePercent,
            "failure_rate" => t => t.FailureRatePercent,
            "latency_p95" => t => t.Latency?.P95 ?? 0,
            "cost" => t => t.Cost,
            _ => throw new BadParameterException("metric", "must be message_volume, items, delivery_rate, failure_rate, latency_p95 or cost"),
        };
        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var from = new UtcMinute(to.Value - hours * 60L).Floor(g);
        var teams = parameters.Teams(http);
        return ApiResults.Ok(http.Cached(CacheTier.Dashboard, new CacheScope(teams, DataSource.Rollups, from, to), $"{from.Value}-{to.Value}", () =>
        {
            var series = query.Timeseries(teams, filter, from, to, g, latency: metric == "latency_p95");
            var points = series.Select(p => new TrendPointDto(p.Bucket, Math.Round(value(p.Totals), 4))).ToList();
            var stats = TrendStatistics.Of(points.Select(p => p.Value).ToList());
            return new MessageTrendDto(metric, gText, hours, points,
                new TrendStatisticsDto(stats.MinValue, stats.MaxValue, stats.AvgValue, stats.StdDev), new TrendDirectionDto(stats.Direction, stats.Percentage));
        }));
    }

    /// <summary>
    /// Forecasts events per hour from the last 28 days of hourly rollups (<see cref="SeasonalForecaster"/>). Capacity
    /// compares the forecast's peak rate with the sum of the team's account TPS limits, when any are set.
    /// </summary>
    private static Ok<SuccessEnvelope<VolumePredictionDto>> Predict(
        [AsParameters] PredictionParameters parameters, HttpContext http, MetricsQuery query, IDirectoryStore directory, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var filter = parameters.Filter();
        int ahead = parameters.HoursAhead ?? 24;
        var teams = parameters.Teams(http);
        var currentHour = UtcMinute.FromDateTimeOffset(now).Floor(Granularity.Hour);
        var from = new UtcMinute(currentHour.Value - HistoryDays * 24 * 60L);
        // The history ends at the current hour, so traffic arriving now leaves a kept forecast exact for the rest of the hour.
        var (history, forecast, (expected, score, anomaly)) = http.Cached(CacheTier.Dashboard,
            new CacheScope(teams, DataSource.Rollups, from, currentHour), $"{from.Value}-{currentHour.Value}", () =>
            {
                var hourly = query.Timeseries(teams, filter, from, currentHour, Granularity.Hour, latency: false).Select(p => (double)p.Totals.Events).ToList();
                // Leading hours before the team's first traffic are not history: they would read as a season of silence.
                int first = hourly.FindIndex(v => v > 0);
                var history = first < 0 ? [] : hourly.GetRange(first, hourly.Count - first);
                return new ForecastOfHistory(history, SeasonalForecaster.Forecast(history, Math.Max(ahead, 7 * 24)), SeasonalForecaster.Anomaly(history));
            });
        var daily = new double[7];
        for (int h = 0; h < 7 * 24; h++) daily[h / 24] += forecast.Values[h];
        var intervals = new List<IntervalPointDto>(24);
        for (int h = 0; h < Math.Min(ahead, 24); h++)
            intervals.Add(new IntervalPointDto(new UtcMinute(currentHour.Value + h * 60L),
                Math.Round(forecast.Values[h], 2), Math.Round(forecast.Lower[h], 2), Math.Round(forecast.Upper[h], 2)));

        int peak = 0;
        for (int h = 1; h < ahead; h++) if (forecast.Values[h] > forecast.Values[peak]) peak = h;
        double peakRate = forecast.Values.Length > 0 ? forecast.Upper[peak] / 3600 : 0;
        double? limit = null;
        foreach (int t in teams)
            foreach (var account in directory.ListAccounts(t))
                if (account.TpsLimit is { } l) limit = (limit ?? 0) + l;
        double? utilization = limit is > 0 ? Math.Round(peakRate / limit.Value * 100, 2) : null;
        string advice = utilization switch
        {
            null => "no account has a TPS limit; set them (PUT /api/v1/accounts/{name}) to get capacity advice",
            > 90 => $"the forecast peak (upper bound) needs {utilization:0.#} % of the accounts' TPS limits: raise limits or spread sends",
            > 70 => $"the forecast peak uses {utilization:0.#} % of the accounts' TPS limits: headroom is getting thin",
            _ => $"the forecast peak uses {utilization:0.#} % of the accounts' TPS limits: enough headroom",
        };
        string model = forecast.SeasonHours switch { 168 => "weekly seasonal", 24 => "daily seasonal", _ => "recent mean" };
        return ApiResults.Ok(new VolumePredictionDto("message_volume", history.Count > 0 ? history[^1] : 0,
            Math.Round(forecast.Values[ahead - 1], 2), new UtcMinute(currentHour.Value + ahead * 60L),
            forecast.ConfidencePercent, forecast.Values.Take(24).Select(v => Math.Round(v, 2)).ToList(), daily.Select(v => Math.Round(v, 2)).ToList(),
            intervals, new AnomalyDto(anomaly, score, Math.Round(expected, 2), history.Count > 0 ? history[^1] : 0,
                new UtcMinute(currentHour.Value - 60)),
            new CapacityDto(Math.Round(peakRate, 4), new UtcMinute(currentHour.Value + peak * 60L),
                limit, utilization, advice), model, history.Count, forecast.BacktestWapePercent));
    }

    private sealed record ForecastOfHistory(List<double> History, HourlyForecast Forecast, (double Expected, double Score, bool IsAnomaly) Anomaly);
}
