using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Analytics;
using Herald.Api.Auth;
using Herald.Domain;
using Herald.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Metrics;

public sealed class TimeseriesParameters : MetricsParameters
{
    [FromQuery(Name = "granularity"), Description("The bucket of each point. Default: hour.")]
    [AllowedValues("minute", "hour", "day", "week", "month")]
    public string? Granularity { get; init; }
}

public sealed class BreakdownParameters : MetricsParameters
{
    [FromQuery(Name = "by"), Description("The dimension to group by (required).")]
    [AllowedValues("team", "account", "channel", "provider", "route", "campaign", "country", "kind", "direction", "agent", "template")]
    public string? By { get; init; }
}

/// <summary><c>/api/v1/metrics/*</c>: summary, timeseries and breakdown, all from rollups.</summary>
public static class MetricsEndpoints
{
    /// <summary>Points one timeseries may have: a week of minutes, over a year of hours.</summary>
    public const int MaxPoints = 10_080;

    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/metrics").RequireScope(Scopes.MetricsRead).WithTags("Metrics");
        group.MapGet("/summary", Summary).WithSummary("Outcome and latency metrics of the items whose earliest event falls in [from, to)");
        group.MapGet("/timeseries", Timeseries).WithSummary("The summary per bucket of minute, hour, day, week or month, with events by occurred_at");
        group.MapGet("/breakdown", Breakdown).WithSummary("The summary per value of one dimension");
        return app;
    }

    private static Ok<SuccessEnvelope<SummaryDto>> Summary([AsParameters] MetricsParameters parameters, HttpContext http, MetricsQuery query, TimeProvider time)
    {
        var r = parameters.ToRequest(time.GetUtcNow());
        var teams = TeamScope.Resolve(http, r.Team);
        return ApiResults.Ok(SummaryDto.Of(query.Summary(teams, r.Filter, r.From, r.To), r.From, r.To));
    }

    private static Ok<SuccessEnvelope<TimeseriesDto>> Timeseries([AsParameters] TimeseriesParameters parameters, HttpContext http, MetricsQuery query, TimeProvider time)
    {
        var r = parameters.ToRequest(time.GetUtcNow());
        string gText = parameters.Granularity ?? "hour";
        _ = Granularities.TryParse(gText, out var g);
        long points = 0;
        for (var b = r.From.Floor(g); b < r.To && points <= MaxPoints; b = b.Next(g)) points++;
        if (points > MaxPoints)
            throw new BadParameterException("granularity", $"the window holds more than {MaxPoints} {gText} buckets; choose a coarser granularity or a shorter window");
        var teams = TeamScope.Resolve(http, r.Team);
        var series = query.Timeseries(teams, r.Filter, r.From, r.To, g);
        var dto = new TimeseriesDto(r.From, r.To, gText, series.Select(p => MetricsDtoMapper.Point(p.Bucket, p.Totals)).ToList());
        return ApiResults.Ok(dto);
    }

    private static Ok<SuccessEnvelope<BreakdownDto>> Breakdown([AsParameters] BreakdownParameters parameters, HttpContext http, MetricsQuery query,
        TimeProvider time, TeamDirectory directory)
    {
        var r = parameters.ToRequest(time.GetUtcNow());
        if (parameters.By is not { } by || !Dimensions.TryParse(by, out var dimension))
            throw new BadParameterException("by", "is required: one of " + string.Join(", ", Dimensions.All.Select(Dimensions.Name)));
        var teams = TeamScope.Resolve(http, r.Team);
        var rows = query.Breakdown(teams, r.Filter, dimension, r.From, r.To, directory.PublicIdOf);
        return ApiResults.Ok(new BreakdownDto(r.From, r.To, by, rows.Select(x => MetricsDtoMapper.Row(x.Key, x.Totals)).ToList()));
    }
}
