using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Analytics;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Tenancy;

namespace Herald.Api.Trends;

public sealed record AggregationDto(
    string Metric, string Aggregation, double? Percentile, IReadOnlyList<string> GroupBy, UtcMinute From, UtcMinute To, IReadOnlyList<AggregationRow> Rows);

public sealed class AggregationParameters : MetricsParameters
{
    [FromQuery(Name = "metric"), Description("The metric to aggregate (required).")]
    [AllowedValues("events", "items", "delivered", "failed", "cost", "delivery_rate", "failure_rate", "delivery_time")]
    public string? Metric { get; init; }

    [FromQuery(Name = "aggregation"), Description("How the metric is aggregated per group: counts take sum, rates avg, delivery_time avg, min, max or percentile. Default: sum.")]
    [AllowedValues("sum", "avg", "min", "max", "percentile")]
    public string? Aggregation { get; init; }

    [FromQuery(Name = "percentile"), Description("With aggregation=percentile: which percentile. Default: 95.")]
    [Range(0d, 100d, MinimumIsExclusive = true)]
    public double? Percentile { get; init; }

    [FromQuery(Name = "group_by"), Description("Up to two dimensions (team excepted) and one time bucket (minute, hour, day, week, month), comma-separated.")]
    public string? GroupBy { get; init; }
}

/// <summary><c>GET /api/v1/analytics/aggregations</c>: seed 004's custom aggregation over the rollups.</summary>
public static class AggregationEndpoints
{
    public static IEndpointRouteBuilder MapAggregationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/aggregations", Aggregate).RequireScope(Scopes.MetricsRead).WithTags("Analytics")
            .WithSummary("A metric aggregated per group of up to two dimensions and/or a time bucket (e.g. p95 delivery_time by route and hour)");
        return app;
    }

    private static Ok<SuccessEnvelope<AggregationDto>> Aggregate(
        [AsParameters] AggregationParameters parameters, HttpContext http, CustomAggregation aggregation, TeamDirectory directory, TimeProvider time)
    {
        var r = parameters.ToRequest(time.GetUtcNow());
        string metric = parameters.Metric ?? "";
        if (metric.Length == 0) throw new BadParameterException("metric", "is required: one of " + string.Join(", ", CustomAggregation.Metrics));
        string agg = parameters.Aggregation ?? "sum";
        if (CustomAggregation.Check(metric, agg) is { } problem) throw new BadParameterException("aggregation", problem);
        double? percentile = null;
        if (parameters.Percentile is { } p)
        {
            if (agg != "percentile") throw new BadParameterException("percentile", "only with aggregation=percentile");
            percentile = p;
        }
        else if (agg == "percentile") percentile = 95;

        var dimensions = new List<Dimension>();
        Granularity? bucket = null;
        foreach (var part in (parameters.GroupBy ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Granularities.TryParse(part, out var g))
            {
                if (bucket is not null) throw new BadParameterException("group_by", "name at most one time bucket");
                bucket = g;
            }
            else if (Dimensions.TryParse(part, out var d) && d != Dimension.Team)
            {
                if (dimensions.Contains(d)) throw new BadParameterException("group_by", $"'{part}' is named twice");
                dimensions.Add(d);
            }
            else throw new BadParameterException("group_by", $"'{part}' is neither a dimension (team excepted) nor minute, hour, day, week or month");
        }
        if (dimensions.Count > 2) throw new BadParameterException("group_by", "at most two dimensions (and one time bucket)");
        if (bucket is { } b && b is not Granularity.Week and not Granularity.Month)
        {
            long points = (r.To.Value - r.From.Value) / (b == Granularity.Minute ? 1 : b == Granularity.Hour ? 60 : 1440);
            if (points > MetricsEndpoints.MaxPoints) throw new BadParameterException("group_by", $"the window holds more than {MetricsEndpoints.MaxPoints} buckets of {Granularities.Name(b)}");
        }

        IReadOnlyList<AggregationRow> rows;
        try
        {
            rows = aggregation.Run(TeamScope.Resolve(http, r.Team), r.Filter, r.From, r.To, metric, agg, percentile ?? 95, dimensions, bucket, directory.PublicIdOf);
        }
        catch (ArgumentException e)
        {
            throw new BadParameterException("group_by", e.Message);
        }
        var groupBy = dimensions.Select(Dimensions.Name).Concat(bucket is { } bb ? [Granularities.Name(bb)] : []).ToList();
        return ApiResults.Ok(new AggregationDto(metric, agg, percentile, groupBy, r.From, r.To, rows));
    }
}
