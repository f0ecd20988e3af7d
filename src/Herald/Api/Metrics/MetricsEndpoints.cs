using Herald.Analytics;
using Herald.Api.Auth;
using Herald.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Tenancy;

namespace Herald.Api.Metrics;

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

    private static Ok<SuccessEnvelope<SummaryDto>> Summary(HttpContext http, MetricsQuery query, TimeProvider time)
    {
        var r = MetricsRequest.Parse(http.Request.Query, time.GetUtcNow(), "team");
        var teams = TeamScope.Resolve(http, r.Team);
        return ApiResults.Ok(SummaryDto.Of(query.Summary(teams, r.Filter, r.From, r.To), r.From, r.To));
    }

    private static Ok<SuccessEnvelope<TimeseriesDto>> Timeseries(HttpContext http, MetricsQuery query, TimeProvider time)
    {
        var r = MetricsRequest.Parse(http.Request.Query, time.GetUtcNow(), "team", "granularity");
        string gText = http.Request.Query["granularity"].ToString();
        if (gText.Length == 0) gText = "hour";
        if (!Granularities.TryParse(gText, out var g))
            throw new BadParameterException("granularity", "must be one of minute, hour, day, week, month");
        long points = 0;
        for (var b = r.From.Floor(g); b < r.To && points <= MaxPoints; b = b.Next(g)) points++;
        if (points > MaxPoints)
            throw new BadParameterException("granularity", $"the window holds more than {MaxPoints} {gText} buckets; choose a coarser granularity or a shorter window");
        var teams = TeamScope.Resolve(http, r.Team);
        var series = query.Timeseries(teams, r.Filter, r.From, r.To, g);
        var dto = new TimeseriesDto(r.From.ToString(), r.To.ToString(), gText, series.Select(p => MetricsDtoMapper.Point(p.Bucket, p.Totals)).ToList());
        return ApiResults.Ok(dto);
    }

    private static Ok<SuccessEnvelope<BreakdownDto>> Breakdown(HttpContext http, MetricsQuery query, TimeProvider time, TeamDirectory directory)
    {
        var r = MetricsRequest.Parse(http.Request.Query, time.GetUtcNow(), "team", "by");
        string by = http.Request.Query["by"].ToString();
        if (by.Length == 0) throw new BadParameterException("by", "is required: one of " + string.Join(", ", Dimensions.All.Select(Dimensions.Name)));
        if (!Dimensions.TryParse(by, out var dimension))
            throw new BadParameterException("by", $"unknown dimension '{by}'; one of {string.Join(", ", Dimensions.All.Select(Dimensions.Name))}");
        var teams = TeamScope.Resolve(http, r.Team);
        var rows = query.Breakdown(teams, r.Filter, dimension, r.From, r.To, directory.PublicIdOf);
        return ApiResults.Ok(new BreakdownDto(r.From.ToString(), r.To.ToString(), by, rows.Select(x => MetricsDtoMapper.Row(x.Key, x.Totals)).ToList()));
    }
}
