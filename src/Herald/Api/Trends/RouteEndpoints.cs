using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Analytics;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Api.Parameters;
using Herald.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Tenancy;

namespace Herald.Api.Trends;

public sealed record RoutePerformanceDto(
    string? Route, string? Provider, long Items, long Delivered, long Failed, long Pending, double SuccessRatePercent, double FailureRatePercent,
    double? LatencyP50Seconds, double? LatencyP95Seconds, double? LatencyP99Seconds, double EventsPerSecond, double TrafficSharePercent);

public sealed record StalledDto(double LookbackHours, double Factor, double MinSeconds, int Count, IReadOnlyList<StalledItem> Items);

public sealed record RoutesDto(UtcMinute From, UtcMinute To, IReadOnlyList<RoutePerformanceDto> Routes);

public sealed class StalledParameters : OneTeamParameters
{
    [FromQuery(Name = "lookback_hours"), Description("Look at items created in the last this many hours. Default: 24.")]
    [Range(1d, 168d)]
    public double? LookbackHours { get; init; }

    [FromQuery(Name = "factor"), Description("Stalled: in flight longer than this many times the route's p99 delivery latency. Default: 2.")]
    [Range(1d, 100d)]
    public double? Factor { get; init; }

    [FromQuery(Name = "min_seconds"), Description("And in flight for at least this many seconds. Default: 60.")]
    [Range(0d, 86_400d)]
    public double? MinSeconds { get; init; }

    [FromQuery(Name = "limit"), Description("At most this many items. Default: 100.")]
    [Range(1, 1000)]
    public int? Limit { get; init; }
}

public sealed class RoutesParameters : MetricsParameters
{
    [FromQuery(Name = "by"), Description("Rows per route or per provider. Default: route.")]
    [AllowedValues("route", "provider")]
    public string? By { get; init; }
}

/// <summary>
/// Seed 004's route metrics: per route (or per provider with <c>by=provider</c>) its success rate, latency and
/// utilization, the latter as its share of the window's items and its average events per second.
/// </summary>
public static class RouteEndpoints
{
    public static IEndpointRouteBuilder MapRouteEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/stalled", Stalled).RequireScope(Scopes.MetricsRead).WithTags("Analytics")
            .WithSummary("Items still in flight well past their route's p99 latency (lookback_hours, factor, min_seconds, limit)");
        app.MapGet("/api/v1/analytics/metrics/routes", Get).RequireScope(Scopes.MetricsRead).WithTags("Analytics")
            .WithSummary("Success rate, latency and utilization per route (or by=provider), with the metrics API's window and filters");
        return app;
    }

    private static Ok<SuccessEnvelope<StalledDto>> Stalled([AsParameters] StalledParameters parameters, HttpContext http, StalledItems stalled)
    {
        int teamId = parameters.TeamId(http);
        double lookback = parameters.LookbackHours ?? 24, factor = parameters.Factor ?? 2, minSeconds = parameters.MinSeconds ?? 60;
        int limit = parameters.Limit ?? 100;
        var list = stalled.Find(teamId, TimeSpan.FromHours(lookback), factor, minSeconds, limit);
        return ApiResults.Ok(new StalledDto(lookback, factor, minSeconds, list.Count, list));
    }

    private static Ok<SuccessEnvelope<RoutesDto>> Get([AsParameters] RoutesParameters parameters, HttpContext http, MetricsQuery metrics, TeamDirectory directory, TimeProvider time)
    {
        var r = parameters.ToRequest(time.GetUtcNow());
        string by = parameters.By ?? "route";
        var dimension = by == "route" ? Dimension.Route : Dimension.Provider;
        var teams = TeamScope.Resolve(http, r.Team);
        var rows = metrics.Breakdown(teams, r.Filter, dimension, r.From, r.To, directory.PublicIdOf);
        long all = rows.Sum(x => x.Totals.Total);
        double seconds = (r.To.Value - r.From.Value) * 60.0;
        var list = rows.Where(x => x.Totals.Total > 0 || x.Totals.Events > 0).Select(x =>
        {
            var t = x.Totals;
            var l = t.Latency;
            return new RoutePerformanceDto(by == "route" ? x.Key : null, by == "provider" ? x.Key : null, t.Total, t.Delivered, t.Failed, t.Pending,
                t.DeliveryRatePercent, t.FailureRatePercent, l?.P50, l?.P95, l?.P99, Math.Round(t.Events / seconds, 4), MetricTotals.Percent(t.Total, all));
        }).OrderByDescending(x => x.Items).ToList();
        return ApiResults.Ok(new RoutesDto(r.From, r.To, list));
    }
}
