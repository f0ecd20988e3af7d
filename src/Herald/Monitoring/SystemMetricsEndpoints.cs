using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Deliveries;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Monitoring;

/// <summary>The query of <c>GET /api/v1/system-metrics</c>.</summary>
public sealed class SystemMetricsParameters
{
    public const int DefaultSize = 500;

    [FromQuery(Name = "metric_type"), Description("Only these metrics (comma-separated), e.g. cpu_usage,api_response_time.")]
    public string? MetricType { get; init; }

    [FromQuery(Name = "source"), Description("Only these sources (comma-separated): application, engine, database.")]
    public string? Source { get; init; }

    [FromQuery(Name = "from"), Description("Only points taken at or after this time (RFC 3339 with a time zone).")]
    public Timestamp? From { get; init; }

    [FromQuery(Name = "to"), Description("Only points taken before this time (RFC 3339 with a time zone).")]
    public Timestamp? To { get; init; }

    [FromQuery(Name = "limit"), Description("At most this many points per page. Default: 500."), Range(1, 5000)]
    public int? Limit { get; init; }

    [FromQuery(Name = "cursor"), Description("The previous page's next_cursor.")]
    public string? Cursor { get; init; }
}

/// <summary>One stored point: seed 001's <c>SystemMetrics</c> document.</summary>
public sealed record SystemMetricDto(DateTimeOffset Timestamp, string MetricType, double Value, string? Unit, JsonElement? Tags, string Source);

/// <summary>A page of points, newest first.</summary>
public sealed record SystemMetricPageDto(IReadOnlyList<SystemMetricDto> Metrics, string? NextCursor);

/// <summary><c>GET /api/v1/system-metrics</c>: the stored system metrics time series (<see cref="SystemMetricsCollector"/>).</summary>
public static class SystemMetricsEndpoints
{
    public static IEndpointRouteBuilder MapSystemMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/system-metrics", List).RequireScope(Scopes.MetricsRead).WithTags("Operations")
            .WithSummary("The system metrics time series (every 30 s by default): filter by metric_type, source and time, newest first");
        return app;
    }

    private static Results<Ok<SuccessEnvelope<SystemMetricPageDto>>, BadRequest<ErrorEnvelope>> List([AsParameters] SystemMetricsParameters p, ISystemMetricStore store)
    {
        if (p.From is { } from && p.To is { } to && from.Value >= to.Value) return ApiResults.BadRequest("from", "must be earlier than to");
        (long, long)? before = null;
        if (p.Cursor is { } cursor)
        {
            var (at, id) = Cursors.Decode("cursor", cursor);
            before = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out long rowId)
                ? (at, rowId)
                : throw new BadParameterException("cursor", "is not a cursor this list gave (use next_cursor as it was answered)");
        }
        int limit = p.Limit ?? SystemMetricsParameters.DefaultSize;
        var rows = store.ReadSystemMetrics(new SystemMetricQuery(Answers.Values("metric_type", p.MetricType), Answers.Values("source", p.Source),
            p.From?.Value.ToUnixTimeMilliseconds(), p.To?.Value.ToUnixTimeMilliseconds(), before, limit + 1));
        string? next = rows.Count > limit ? Cursors.Encode(rows[limit - 1].AtMs, rows[limit - 1].Id.ToString(CultureInfo.InvariantCulture)) : null;
        return ApiResults.Ok(new SystemMetricPageDto(rows.Take(limit).Select(r => new SystemMetricDto(DateTimeOffset.FromUnixTimeMilliseconds(r.AtMs),
            r.MetricType, r.Value, r.Unit, r.TagsJson is { } tags ? JsonDocument.Parse(tags).RootElement.Clone() : null, r.Source)).ToList(), next));
    }
}
