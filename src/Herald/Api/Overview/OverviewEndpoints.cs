using Herald.Analytics;
using Herald.Analytics.Caching;
using Herald.Analytics.Consent;
using Herald.Analytics.Users;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Monitoring;
using Herald.Storage;
using Herald.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Engine;

namespace Herald.Api.Overview;

public sealed record SystemHealthDto(
    long ActiveCampaigns, long TotalUsers, long OptedInUsers, long OptedOutUsers, long StoppedUsers, double OptInRatePercent,
    double SystemUptimeHours, int? DatabaseConnections);

public sealed record PerformanceMetricsDto(
    double? AverageResponseTimeMs, double? P95ResponseTimeMs, double RequestsPerMinute, double ErrorRatePercent, double? WebhookProcessingTimeMs);

public sealed record MessagesKpiDto(
    [property: System.Text.Json.Serialization.JsonPropertyName("volume_24h")] long Volume24h,
    [property: System.Text.Json.Serialization.JsonPropertyName("delivered_24h")] long Delivered24h,
    [property: System.Text.Json.Serialization.JsonPropertyName("failed_24h")] long Failed24h, double DeliveryRatePercent, double CurrentTps, double? LatencyP95Seconds);

/// <summary>Seed 003's <c>/api/v1/monitoring/dashboard</c>.</summary>
public sealed record MonitoringDashboardDto(DateTimeOffset Timestamp, SystemHealthDto SystemHealth, PerformanceMetricsDto PerformanceMetrics, MessagesKpiDto Messages);

public sealed record SummaryMessagesDto(long TotalToday, long LastHour, double CurrentTps, double DeliveryRate, double? AvgDeliveryTime);
public sealed record SummaryCampaignsDto(long Active);
public sealed record SummarySystemDto(double CpuUsage, double MemoryUsage, double DiskUsage, long ActiveConnections);

/// <summary>
/// Seed 004's <c>/api/v1/analytics/dashboard/summary</c>; with <c>?days=N</c> also seed 002's dashboard metrics of the last N
/// days (<see cref="Herald.Snapshots.DashboardMetrics"/>).
/// </summary>
public sealed record DashboardSummaryDto(
    DateTimeOffset Timestamp, SummaryMessagesDto Messages, SummaryCampaignsDto Campaigns, SummarySystemDto System,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Days = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] UtcMinute? PeriodStart = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] UtcMinute? PeriodEnd = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] Herald.Snapshots.SnapshotMetrics? Metrics = null);

public sealed class DashboardSummaryParameters : OneTeamParameters
{
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "days")]
    [System.ComponentModel.Description("Also seed 002's dashboard metrics (messages, campaigns, contacts, conversations) of the last N UTC days, today included.")]
    [System.ComponentModel.DataAnnotations.Range(1, Herald.Snapshots.DashboardMetrics.MaxDays)]
    public int? Days { get; init; }
}

/// <summary>
/// The two seeds' dashboard summaries for one team: message KPIs from the rollups, campaigns with traffic in the last
/// 24 hours, contacts (distinct recipients of the team's items), consent from inbound keywords, and the Herald process.
/// </summary>
public static class OverviewEndpoints
{
    public static IEndpointRouteBuilder MapOverviewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/monitoring/dashboard", Monitoring).RequireScope(Scopes.MetricsRead).WithTags("Monitoring")
            .WithSummary("Seed 003's monitoring dashboard: system health, performance, 24 h message KPIs");
        app.MapGet("/api/v1/analytics/dashboard/summary", Summary).RequireScope(Scopes.MetricsRead).WithTags("Analytics")
            .WithSummary("Seed 004's dashboard summary: today's messages, active campaigns, system usage; ?days=N adds seed 002's metrics of the last N days");
        return app;
    }

    private static Ok<SuccessEnvelope<MonitoringDashboardDto>> Monitoring(
        [AsParameters] OneTeamParameters parameters, HttpContext http, MetricsQuery metrics, ConsentAnalysis consent, UserAnalytics users,
        SystemMetrics system, RequestMetrics requests, WebhookStats webhooks, IStoreProbe store, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var now = time.GetUtcNow();
        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        // Consent (its own table) and the rollup figures are independent reads: side by side.
        MetricTotals day = null!;
        ConsentSummary consentNow = null!;
        long activeCampaigns = 0;
        double tps = 0;
        Parallel.Invoke(
            () => consentNow = consent.Summary(teamId, now.AddDays(-1).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds()),
            () =>
            {
                day = metrics.Summary([teamId], MetricFilter.None, new UtcMinute(to.Value - 24 * 60), to);
                activeCampaigns = ActiveCampaigns(metrics, teamId, to);
                tps = CurrentTps(metrics, teamId, to);
            });
        var sample = system.Sample();

        var routes = requests.Routes();
        long requestCount = routes.Sum(r => r.Requests);
        double? avgMs = requestCount > 0 ? Math.Round(routes.Sum(r => r.Seconds) * 1000 / requestCount, 3) : null;
        var lastFive = requests.Api(5);
        var hooks = webhooks.Snapshot();
        long hookCount = hooks.Sum(h => h.Requests);
        double? hookMs = hookCount > 0 ? Math.Round(hooks.Sum(h => h.TotalMs) / hookCount, 3) : null;

        return ApiResults.Ok(new MonitoringDashboardDto(now,
            new SystemHealthDto(activeCampaigns, users.TotalUsers(teamId), consentNow.OptedIn,
                consentNow.OptedOut, consentNow.Stopped, consentNow.OptInRatePercent, Math.Round(sample.UptimeSeconds / 3600, 6), store.Connections().InUse),
            new PerformanceMetricsDto(avgMs, lastFive.P95Ms, Math.Round(lastFive.Requests / 5.0, 2), lastFive.ErrorRatePercent, hookMs),
            new MessagesKpiDto(day.Total, day.Delivered, day.Failed, day.DeliveryRatePercent, tps, day.Latency?.P95)));
    }

    private static Ok<SuccessEnvelope<DashboardSummaryDto>> Summary([AsParameters] DashboardSummaryParameters parameters, HttpContext http, MetricsQuery metrics,
        SystemMetrics system, Herald.Snapshots.DashboardMetrics dashboard, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var now = time.GetUtcNow();
        var nowMinute = UtcMinute.FromDateTimeOffset(now);
        var to = nowMinute.Next(Granularity.Minute);
        var dayStart = nowMinute.Floor(Granularity.Day);
        var windowStart = new UtcMinute(Math.Min(dayStart.Value, to.Value - 24 * 60));
        // The message figures are kept for seed 002's dashboard tier (until new data lands in the window); the process figures are always fresh.
        var (messages, campaigns) = http.Cached(CacheTier.Dashboard, new CacheScope([teamId], DataSource.Rollups, windowStart, to), $"{dayStart.Value}-{to.Value}", () =>
        {
            var today = metrics.Summary([teamId], MetricFilter.None, dayStart, to);
            var hour = metrics.Summary([teamId], MetricFilter.None, new UtcMinute(to.Value - 60), to);
            return new SummaryFigures(
                new SummaryMessagesDto(today.Total, hour.Total, CurrentTps(metrics, teamId, to), today.DeliveryRatePercent, today.Latency?.Avg),
                new SummaryCampaignsDto(ActiveCampaigns(metrics, teamId, to)));
        });
        var sample = system.Sample();
        var summary = new DashboardSummaryDto(now, messages, campaigns,
            new SummarySystemDto(Math.Round(sample.CpuPercent, 2), Math.Round(sample.MemoryPercent, 2), Math.Round(sample.DiskPercent, 2), sample.ActiveRequests));
        if (parameters.Days is { } days)
        {
            var window = dashboard.Get(teamId, days, out var outcome);
            http.Response.Headers[AnswerCaching.Header] = outcome == CacheOutcome.Hit ? "hit" : "miss";
            summary = summary with { Days = days, PeriodStart = window.From, PeriodEnd = window.To, Metrics = window.Metrics };
        }
        return ApiResults.Ok(summary);
    }

    private sealed record SummaryFigures(SummaryMessagesDto Messages, SummaryCampaignsDto Campaigns);

    /// <summary>Events per second over the last whole minute (the current one is still filling).</summary>
    private static double CurrentTps(MetricsQuery metrics, int teamId, UtcMinute to) =>
        Math.Round(metrics.Summary([teamId], MetricFilter.None, new UtcMinute(to.Value - 2), new UtcMinute(to.Value - 1)).Events / 60.0, 4);

    /// <summary>Campaigns with items in the last 24 hours.</summary>
    private static long ActiveCampaigns(MetricsQuery metrics, int teamId, UtcMinute to)
    {
        long n = 0;
        foreach (var (key, totals) in metrics.Breakdown([teamId], MetricFilter.None, Dimension.Campaign, new UtcMinute(to.Value - 24 * 60), to, _ => ""))
            if (key is not null && totals.Total > 0) n++;
        return n;
    }

}
