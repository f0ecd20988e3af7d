using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Analytics.Caching;
using Herald.Analytics;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Domain;
using Herald.Maintenance;
using Herald.Storage;
using Herald.Webhooks;
using Herald.Engine;

namespace Herald.Monitoring;

/// <summary>The <c>Herald:Metrics</c> section.</summary>
public sealed class MetricsOptions
{
    /// <summary>When true, <c>/metrics</c> answers anyone; by default it needs an admin key or <see cref="ScrapeToken"/>.</summary>
    public bool Public { get; set; }
    /// <summary>A token Prometheus sends as <c>Authorization: Bearer</c> to scrape <c>/metrics</c> without an admin key.</summary>
    public string? ScrapeToken { get; set; }
    /// <summary>Per-team delivery gauges are written for at most this many teams (the busiest of the last hour first).</summary>
    public int MaxTeams { get; set; } = 100;
}

/// <summary><c>GET /metrics</c> (Prometheus), <c>GET /api/v1/analytics/metrics/system</c>, <c>GET /api/v1/admin/database</c>.</summary>
public static class MonitoringEndpoints
{
    public static IEndpointRouteBuilder MapMonitoringEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHeraldMetrics();
        app.MapGet("/api/v1/analytics/metrics/system", SystemMetricsOf).RequireScope(Scopes.MetricsRead).WithTags("Operations")
            .WithSummary("CPU, memory, disk, queue and request figures of the Herald process (seed 004's system metrics)");
        app.MapGet("/api/v1/admin/database", Database).RequireScope(Scopes.Admin).WithTags("Operations")
            .WithSummary("Table row counts, file sizes, retention policy and horizons, and the last maintenance run");
        return app;
    }

    public sealed record SystemMetricsDto(
        double CpuUsagePercent, double MemoryUsagePercent, double DiskUsagePercent, double? NetworkThroughputMbps, long ActiveConnections,
        int? DbConnectionPoolSize, int? DbActiveConnections, string Timestamp, double CpuSecondsTotal, int ProcessorCount,
        long MemoryRssBytes, long MemoryLimitBytes, long GcHeapBytes, long GcCommittedBytes, IReadOnlyList<long> GcCollections,
        long DiskTotalBytes, long DiskFreeBytes, long DatabaseBytes, long WalBytes, long QueueDepth, long EventsWritten,
        double EventsPerSecond, double UptimeSeconds, RequestsDto Requests, IReadOnlyList<WebhookDto> Webhooks, IReadOnlyList<CacheTierDto> Cache,
        ApplicationPerformanceDto ApplicationPerformance);

    /// <summary>Seed 003's <c>application_performance</c>.</summary>
    public sealed record ApplicationPerformanceDto(
        ApiMetricsDto ApiMetrics, IReadOnlyDictionary<string, EndpointPerformanceDto> EndpointPerformance, ResourceUtilizationDto ResourceUtilization);

    public sealed record ApiMetricsDto(
        double RequestsPerSecond, double? AverageResponseTimeMs, double ErrorRatePercent,
        [property: System.Text.Json.Serialization.JsonPropertyName("throughput_24h")] long Throughput24h);

    public sealed record EndpointPerformanceDto(double AvgTimeMs, long Requests);

    public sealed record ResourceUtilizationDto(
        double CpuUsagePercent, double MemoryUsageMb, double? DiskIoOpsSec, double? DiskReadBytesPerSec, double? DiskWriteBytesPerSec,
        long? DiskReadBytesTotal, long? DiskWriteBytesTotal);

    public sealed record CacheTierDto(string Tier, double TtlSeconds, long Hits, long Misses, double HitRatePercent);

    public sealed record RequestsDto(long LastFiveMinutes, double ErrorRatePercent, double? P95Ms, IReadOnlyList<RouteDto> ByEndpoint);

    public sealed record RouteDto(string Method, string Route, long Requests, long Errors, double ErrorRatePercent, double AvgMs);

    public sealed record WebhookDto(string Provider, long Requests, long Errors, double AvgMs, double MaxMs);

    private static Ok<SuccessEnvelope<SystemMetricsDto>> SystemMetricsOf(SystemMetrics system, RequestMetrics requests, WebhookStats webhooks, AnswerCache cache,
        Utilization.NetworkCounters network, IStoreProbe store)
    {
        var s = system.Sample();
        var connections = store.Connections();
        var window = requests.Api(5);
        var routes = requests.Routes().GroupBy(r => (r.Method, r.Route)).Select(g =>
        {
            long n = g.Sum(r => r.Requests), errors = g.Where(r => r.StatusClass == "5xx").Sum(r => r.Requests);
            return new RouteDto(g.Key.Method, g.Key.Route, n, errors, MetricTotals.Percent(errors, n), n == 0 ? 0 : Math.Round(g.Sum(r => r.Seconds) * 1000 / n, 3));
        }).OrderByDescending(r => r.Requests).ToList();
        var hooks = webhooks.Snapshot().Select(w => new WebhookDto(w.Provider, w.Requests, w.Errors,
            w.Requests == 0 ? 0 : Math.Round(w.TotalMs / w.Requests, 3), Math.Round(w.MaxMs, 3))).ToList();
        return ApiResults.Ok(new SystemMetricsDto(s.CpuPercent, s.MemoryPercent, s.DiskPercent, network.Megabits(), s.ActiveRequests,
            connections.Open, connections.InUse,
            Timestamps.Iso(s.At), Math.Round(s.CpuSecondsTotal, 3), s.ProcessorCount, s.ResidentBytes, s.MemoryLimitBytes, s.GcHeapBytes,
            s.GcCommittedBytes, s.GcCollections, s.DiskTotalBytes, s.DiskFreeBytes, s.DatabaseBytes, s.WalBytes, s.QueueDepth, s.EventsWritten,
            s.EventsPerSecond, Math.Round(s.UptimeSeconds, 3), new RequestsDto(window.Requests, window.ErrorRatePercent, window.P95Ms, routes), hooks,
            Enum.GetValues<CacheTier>().Select(t => new CacheTierDto(t.ToString().ToLowerInvariant(), AnswerCache.TimeToLive(t).TotalSeconds,
                cache.Hits(t), cache.Misses(t), MetricTotals.Percent(cache.Hits(t), cache.Hits(t) + cache.Misses(t)))).ToList(),
            ApplicationPerformance(s, window, routes, requests)));
    }

    /// <summary>
    /// Seed 003's application performance: request rate (every request, the last five minutes) and count of the last 24 hours;
    /// average time and 5xx rate of the API requests of the last five minutes; per route template (methods together) its
    /// requests and average time since start; the process's CPU, resident memory and I/O.
    /// </summary>
    private static ApplicationPerformanceDto ApplicationPerformance(SystemSnapshot s, RequestWindow window, IReadOnlyList<RouteDto> routes, RequestMetrics requests)
    {
        var endpoints = routes.GroupBy(r => r.Route).ToDictionary(g => g.Key, g =>
        {
            long n = g.Sum(r => r.Requests);
            return new EndpointPerformanceDto(n == 0 ? 0 : Math.Round(g.Sum(r => r.AvgMs * r.Requests) / n, 3), n);
        });
        var io = s.DiskIo;
        return new ApplicationPerformanceDto(
            new ApiMetricsDto(requests.RequestsPerSecond(), window.AvgMs, window.ErrorRatePercent, requests.LastDay()),
            endpoints,
            new ResourceUtilizationDto(s.CpuPercent, Math.Round(s.ResidentBytes / 1048576.0, 1), io?.OpsPerSecond, io?.ReadBytesPerSecond,
                io?.WriteBytesPerSecond, io?.ReadBytes, io?.WriteBytes));
    }

    public sealed record DatabaseDto(
        string Path, long DatabaseBytes, long WalBytes, long ShmBytes, long PageSize, long PageCount, long FreePages,
        IReadOnlyDictionary<string, long> Tables, IReadOnlyList<RetentionTierDto> Retention, MaintenanceRunDto? LastMaintenance);

    public sealed record RetentionTierDto(string Data, string? Retention, string? Horizon);

    public sealed record MaintenanceRunDto(string StartedAt, string FinishedAt, IReadOnlyDictionary<string, long> Deleted, string? Error)
    {
        /// <summary>The stored run as the API shows it; null when the job never ran.</summary>
        public static MaintenanceRunDto? Of(MaintenanceRunRecord? run) =>
            run is null ? null : new MaintenanceRunDto(Timestamps.Iso(run.StartedAtMs)!, Timestamps.Iso(run.FinishedAtMs)!, run.Deleted, run.Error);
    }

    private static Ok<SuccessEnvelope<DatabaseDto>> Database(IMaintenanceStore store, RetentionOptions retention, RetentionHorizons horizons, DatabaseMaintenance maintenance)
    {
        var stats = store.DatabaseStats();
        var tiers = maintenance.Tiers().Select(t => new RetentionTierDto(t.Name, retention.Enabled ? t.Retention.ToString("c") : null,
            horizons.Of(t.G).Value == long.MinValue ? null : Timestamps.Iso(horizons.Of(t.G).ToDateTimeOffset()))).ToList();
        tiers.Add(new RetentionTierDto("raw_events", retention.Enabled ? retention.RawEvents?.ToString("c") : null,
            horizons.RawEvents.Value == long.MinValue ? null : Timestamps.Iso(horizons.RawEvents.ToDateTimeOffset())));
        var last = store.LastMaintenanceRun();
        return ApiResults.Ok(new DatabaseDto(stats.Path, stats.DatabaseBytes, stats.WalBytes, stats.ShmBytes, stats.PageSize, stats.PageCount,
            stats.FreePages, stats.Tables.ToDictionary(t => t.Name, t => t.Rows), tiers,
            MaintenanceRunDto.Of(last)));
    }
}
