using Herald.Analytics.Insights;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Monitoring;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Insights;

/// <summary>One index: its size from the store's layout and the planner's statistics of it.</summary>
public sealed record IndexUsageDto(string Index, string Table, long? SizeBytes, long? PlannerRows, long? RowsPerFirstKey, bool Analyzed);

/// <summary>The planner maintenance behind the statistics: when it last ran, how long it took, and how often it runs.</summary>
public sealed record PlannerMaintenanceDto(DateTimeOffset? LastRunAt, long? LastDurationMs, string? LastError, bool Scheduled, double IntervalHours);

public sealed record DatabaseInsightDto(string Provider, DateTimeOffset LayoutAt, IReadOnlyList<IndexUsageDto> Indexes, PlannerMaintenanceDto Maintenance);

/// <summary>
/// <c>GET /api/v1/analytics/insights/...</c>: seed 003's insights that say what to change (see <see cref="InsightAnalytics"/>),
/// each over a window (<c>from</c>, <c>to</c>) and the usual dimension filters; <c>database</c> is the store's index usage.
/// </summary>
public static class InsightsEndpoints
{
    public static IEndpointRouteBuilder MapInsightsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/analytics/insights").WithTags("Insights");
        g.MapGet("/segments", Segments).RequireScope(Scopes.MetricsRead)
            .WithSummary("Delivery per campaign and segment, best first; per segment and by segment size; a clearly lower or higher segment");
        g.MapGet("/engagement-funnel", Funnel).RequireScope(Scopes.MetricsRead)
            .WithSummary("Users, messages and responses per user and engagement rate, by consent state");
        g.MapGet("/templates", Templates).RequireScope(Scopes.MetricsRead)
            .WithSummary("Delivery, read and reply rates per template with 95 % intervals; best and worst only where intervals separate");
        g.MapGet("/send-times", SendTimes).RequireScope(Scopes.MetricsRead)
            .WithSummary("Rates by the recipient's local hour and weekday; a recommended hour only when it beats the rest significantly");
        g.MapGet("/rate-limits", RateLimits).RequireScope(Scopes.MetricsRead)
            .WithSummary("Failure rate and rate_limit share by achieved TPS per route, provider and account; the highest safe TPS");
        g.MapGet("/database", Database).RequireScope(Scopes.MetricsRead)
            .WithSummary("Each index's size and the planner's statistics of it, and the ANALYZE / PRAGMA optimize schedule");
        return app;
    }

    private static InsightQuery Query(MetricsParameters parameters, HttpContext http, TimeProvider time)
    {
        int teamId = TeamScope.ResolveOne(http, parameters.Team);
        var request = parameters.ToRequest(time.GetUtcNow());
        return new InsightQuery(teamId, request.From.ToUnixMillis(), request.To.ToUnixMillis(), request.Filter);
    }

    private static Ok<SuccessEnvelope<SegmentsInsight>> Segments([AsParameters] MetricsParameters parameters, HttpContext http, InsightAnalytics insights, TimeProvider time) =>
        ApiResults.Ok(insights.Segments(Query(parameters, http, time)));

    private static Ok<SuccessEnvelope<EngagementFunnelInsight>> Funnel([AsParameters] MetricsParameters parameters, HttpContext http, InsightAnalytics insights, TimeProvider time) =>
        ApiResults.Ok(insights.EngagementFunnel(Query(parameters, http, time)));

    private static Ok<SuccessEnvelope<TemplatesInsight>> Templates([AsParameters] MetricsParameters parameters, HttpContext http, InsightAnalytics insights, TimeProvider time) =>
        ApiResults.Ok(insights.Templates(Query(parameters, http, time)));

    private static Ok<SuccessEnvelope<SendTimesInsight>> SendTimes([AsParameters] MetricsParameters parameters, HttpContext http, InsightAnalytics insights, TimeProvider time) =>
        ApiResults.Ok(insights.SendTimes(Query(parameters, http, time)));

    private static Ok<SuccessEnvelope<RateLimitsInsight>> RateLimits([AsParameters] MetricsParameters parameters, HttpContext http, InsightAnalytics insights, TimeProvider time) =>
        ApiResults.Ok(insights.RateLimits(Query(parameters, http, time)));

    private static Ok<SuccessEnvelope<DatabaseInsightDto>> Database(IIndexStatsStore store, IStoreProbe probe, CachedStoreLayout layouts,
        Herald.Maintenance.PlannerOptions options)
    {
        var (at, layout) = layouts.Current();
        var sizes = layout.Objects.Where(o => o.Type == "index").ToDictionary(o => o.Name, o => o.Bytes, StringComparer.Ordinal);
        var indexes = store.IndexStats().Select(i => new IndexUsageDto(i.Index, i.Table, sizes.TryGetValue(i.Index, out long b) ? b : null,
            i.PlannerRows, i.RowsPerFirstKey, i.PlannerRows is not null)).ToList();
        var last = store.LastPlannerMaintenance();
        return ApiResults.Ok(new DatabaseInsightDto(probe.Provider, at, indexes, new PlannerMaintenanceDto(
            last.LastRunAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, last.LastDurationMs, last.LastError, options.Enabled, options.Interval.TotalHours)));
    }
}
