using Herald.Analytics.Caching;
using Herald.Analytics;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Domain;
using Herald.Hosting;
using Herald.Maintenance;
using Herald.Storage;
using Herald.Webhooks;
using Herald.Engine;
using Herald.Tenancy;

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
        app.MapGet("/metrics", Prometheus).RequireAuthorization(MetricsScrapeRequirement.PolicyName).WithTags("Operations").WithSummary("Prometheus text exposition of Herald's own metrics")
            .Produces<string>(200, PrometheusText.ContentType);
        app.MapGet("/api/v1/analytics/metrics/system", SystemMetricsOf).RequireScope(Scopes.MetricsRead).WithTags("Operations")
            .WithSummary("CPU, memory, disk, queue and request figures of the Herald process (seed 004's system metrics)");
        app.MapGet("/api/v1/admin/database", Database).RequireScope(Scopes.Admin).WithTags("Operations")
            .WithSummary("Table row counts, file sizes, retention policy and horizons, and the last maintenance run");
        return app;
    }

    private static IResult Prometheus(HttpContext http, MetricsOptions options, SystemMetrics system, RequestMetrics requests, WebhookStats webhooks,
        IAlertStore alerts, TeamDirectory teams, MetricsQuery metrics, AnswerCache cache, TimeProvider time)
    {
        var s = system.Sample();
        var p = new PrometheusText();
        p.Family("herald_process_cpu_seconds_total", "counter", "User and system CPU time of the Herald process, in seconds.").Sample(s.CpuSecondsTotal);
        p.Family("herald_process_cpu_percent", "gauge", "CPU used by the process since the previous sample, percent of all cores.").Sample(s.CpuPercent);
        p.Family("herald_process_resident_memory_bytes", "gauge", "Resident set size of the process.").Sample(s.ResidentBytes);
        p.Family("herald_memory_limit_bytes", "gauge", "The memory limit memory percent is taken of (cgroup limit, else physical memory).").Sample(s.MemoryLimitBytes);
        p.Family("herald_process_memory_percent", "gauge", "Resident memory as a percent of the memory limit.").Sample(s.MemoryPercent);
        p.Family("herald_gc_heap_bytes", "gauge", "Bytes allocated on the managed heap.").Sample(s.GcHeapBytes);
        p.Family("herald_gc_committed_bytes", "gauge", "Memory committed by the garbage collector.").Sample(s.GcCommittedBytes);
        p.Family("herald_gc_collections_total", "counter", "Garbage collections per generation since start.");
        for (int g = 0; g < s.GcCollections.Count; g++) p.Sample(s.GcCollections[g], ("generation", g.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        p.Family("herald_process_threads", "gauge", "Threads of the process.").Sample(s.ThreadCount);
        p.Family("herald_uptime_seconds", "gauge", "Seconds since the server started.").Sample(Math.Round(s.UptimeSeconds, 3));
        p.Family("herald_data_disk_total_bytes", "gauge", "Size of the file system holding the data directory.").Sample(s.DiskTotalBytes);
        p.Family("herald_data_disk_free_bytes", "gauge", "Space available to Herald on the data directory's file system.").Sample(s.DiskFreeBytes);
        p.Family("herald_data_disk_used_percent", "gauge", "Used space of the data directory's file system, percent.").Sample(s.DiskPercent);
        p.Family("herald_db_file_bytes", "gauge", "Size of the SQLite database files.").Sample(s.DatabaseBytes, ("file", "db")).Sample(s.WalBytes, ("file", "wal"));
        p.Family("herald_ingest_queue_depth", "gauge", "Events accepted and waiting in the ingest queue.").Sample(s.QueueDepth);
        p.Family("herald_events_written_total", "counter", "Events written to the store since start.").Sample(s.EventsWritten);
        p.Family("herald_events_written_per_second", "gauge", "Events written per second since the previous sample.").Sample(s.EventsPerSecond);
        p.Family("herald_http_requests_in_flight", "gauge", "HTTP requests being served.").Sample(s.ActiveRequests);

        var routes = requests.Routes();
        p.Family("herald_http_requests_total", "counter", "HTTP requests served, by method, route template and status class.");
        foreach (var r in routes) p.Sample(r.Requests, ("method", r.Method), ("route", r.Route), ("status", r.StatusClass));
        p.Family("herald_http_request_errors_total", "counter", "HTTP requests answered with a 5xx status, by method and route template.");
        foreach (var g in routes.GroupBy(r => (r.Method, r.Route)))
            p.Sample(g.Where(r => r.StatusClass == "5xx").Sum(r => r.Requests), ("method", g.Key.Method), ("route", g.Key.Route));
        p.Family("herald_http_request_duration_seconds_total", "counter", "Time spent serving HTTP requests, by method and route template.");
        foreach (var g in routes.GroupBy(r => (r.Method, r.Route)))
            p.Sample(Math.Round(g.Sum(r => r.Seconds), 6), ("method", g.Key.Method), ("route", g.Key.Route));
        var api = requests.Api(5);
        p.Family("herald_http_response_p95_milliseconds", "gauge", "95th percentile of API response time over the last 5 minutes (NaN without requests).")
            .Sample(api.P95Ms ?? double.NaN);

        var hooks = webhooks.Snapshot();
        p.Family("herald_webhook_requests_total", "counter", "Provider callbacks handled, by provider.");
        foreach (var w in hooks) p.Sample(w.Requests, ("provider", w.Provider));
        p.Family("herald_webhook_errors_total", "counter", "Provider callbacks answered with an error, by provider.");
        foreach (var w in hooks) p.Sample(w.Errors, ("provider", w.Provider));
        p.Family("herald_webhook_processing_seconds_total", "counter", "Time spent processing provider callbacks, by provider.");
        foreach (var w in hooks) p.Sample(Math.Round(w.TotalMs / 1000, 6), ("provider", w.Provider));
        p.Family("herald_webhook_processing_max_seconds", "gauge", "Longest provider callback processing time since start, by provider.");
        foreach (var w in hooks) p.Sample(Math.Round(w.MaxMs / 1000, 6), ("provider", w.Provider));

        // Per team, last hour (bounded: at most MaxTeams teams, three outcomes each).
        var to = UtcMinute.FromDateTimeOffset(time.GetUtcNow()).Next(Granularity.Minute);
        var from = new UtcMinute(to.Value - 60);
        var perTeam = teams.All.Select(t => (Team: t, Totals: metrics.Summary([t.Id], MetricFilter.None, from, to)))
            .Where(x => x.Totals.Total > 0).OrderByDescending(x => x.Totals.Total).ThenBy(x => x.Team.Name, StringComparer.Ordinal)
            .Take(options.MaxTeams).ToList();
        p.Family("herald_items_last_hour", "gauge", "Items whose earliest event is in the last 60 minutes, by team and outcome.");
        foreach (var (team, t) in perTeam)
        {
            p.Sample(t.Delivered, ("team", team.Name), ("status", "delivered"));
            p.Sample(t.Failed, ("team", team.Name), ("status", "failed"));
            p.Sample(t.Pending, ("team", team.Name), ("status", "pending"));
        }
        p.Family("herald_delivery_latency_p95_seconds_last_hour", "gauge", "95th percentile delivery latency of the last hour's items, by team.");
        foreach (var (team, t) in perTeam)
            if (t.Latency is { } l) p.Sample(l.P95, ("team", team.Name));

        p.Family("herald_alerts_firing", "gauge", "Alerts firing, by team and severity.");
        foreach (var (teamId, severity, count) in alerts.CountFiringAlerts())
            p.Sample(count, ("team", teams.ById(teamId)?.Name ?? teamId.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("severity", severity));

        p.Family("herald_cache_requests_total", "counter", "Answers asked of the cache tiers, by tier and result (hit: kept and still exact; miss: computed).");
        foreach (var tier in Enum.GetValues<CacheTier>())
        {
            string name = tier.ToString().ToLowerInvariant();
            p.Sample(cache.Hits(tier), ("tier", name), ("result", "hit")).Sample(cache.Misses(tier), ("tier", name), ("result", "miss"));
        }
        p.Family("herald_cache_entries", "gauge", "Answers kept by the cache.").Sample(cache.Count);

        return Results.Text(p.ToString(), PrometheusText.ContentType);
    }

    public sealed record SystemMetricsDto(
        double CpuUsagePercent, double MemoryUsagePercent, double DiskUsagePercent, double? NetworkThroughputMbps, long ActiveConnections,
        int? DbConnectionPoolSize, int? DbActiveConnections, string Timestamp, double CpuSecondsTotal, int ProcessorCount,
        long MemoryRssBytes, long MemoryLimitBytes, long GcHeapBytes, long GcCommittedBytes, IReadOnlyList<long> GcCollections,
        long DiskTotalBytes, long DiskFreeBytes, long DatabaseBytes, long WalBytes, long QueueDepth, long EventsWritten,
        double EventsPerSecond, double UptimeSeconds, RequestsDto Requests, IReadOnlyList<WebhookDto> Webhooks, IReadOnlyList<CacheTierDto> Cache);

    public sealed record CacheTierDto(string Tier, double TtlSeconds, long Hits, long Misses, double HitRatePercent);

    public sealed record RequestsDto(long LastFiveMinutes, double ErrorRatePercent, double? P95Ms, IReadOnlyList<RouteDto> ByEndpoint);

    public sealed record RouteDto(string Method, string Route, long Requests, long Errors, double ErrorRatePercent, double AvgMs);

    public sealed record WebhookDto(string Provider, long Requests, long Errors, double AvgMs, double MaxMs);

    private static IResult SystemMetricsOf(SystemMetrics system, RequestMetrics requests, WebhookStats webhooks, AnswerCache cache,
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
            Alerts.AlertNotifier.Iso(s.At), Math.Round(s.CpuSecondsTotal, 3), s.ProcessorCount, s.ResidentBytes, s.MemoryLimitBytes, s.GcHeapBytes,
            s.GcCommittedBytes, s.GcCollections, s.DiskTotalBytes, s.DiskFreeBytes, s.DatabaseBytes, s.WalBytes, s.QueueDepth, s.EventsWritten,
            s.EventsPerSecond, Math.Round(s.UptimeSeconds, 3), new RequestsDto(window.Requests, window.ErrorRatePercent, window.P95Ms, routes), hooks,
            Enum.GetValues<CacheTier>().Select(t => new CacheTierDto(t.ToString().ToLowerInvariant(), AnswerCache.TimeToLive(t).TotalSeconds,
                cache.Hits(t), cache.Misses(t), MetricTotals.Percent(cache.Hits(t), cache.Hits(t) + cache.Misses(t)))).ToList()));
    }

    public sealed record DatabaseDto(
        string Path, long DatabaseBytes, long WalBytes, long ShmBytes, long PageSize, long PageCount, long FreePages,
        IReadOnlyDictionary<string, long> Tables, IReadOnlyList<RetentionTierDto> Retention, MaintenanceRunDto? LastMaintenance);

    public sealed record RetentionTierDto(string Data, string? Retention, string? Horizon);

    public sealed record MaintenanceRunDto(string StartedAt, string FinishedAt, IReadOnlyDictionary<string, long> Deleted, string? Error);

    private static IResult Database(IMaintenanceStore store, RetentionOptions retention, RetentionHorizons horizons, DatabaseMaintenance maintenance)
    {
        var stats = store.DatabaseStats();
        var tiers = maintenance.Tiers().Select(t => new RetentionTierDto(t.Name, retention.Enabled ? t.Retention.ToString("c") : null,
            horizons.Of(t.G).Value == long.MinValue ? null : Alerts.AlertNotifier.Iso(horizons.Of(t.G).ToDateTimeOffset()))).ToList();
        tiers.Add(new RetentionTierDto("raw_events", retention.Enabled ? retention.RawEvents?.ToString("c") : null,
            horizons.RawEvents.Value == long.MinValue ? null : Alerts.AlertNotifier.Iso(horizons.RawEvents.ToDateTimeOffset())));
        var last = store.LastMaintenanceRun();
        return ApiResults.Ok(new DatabaseDto(stats.Path, stats.DatabaseBytes, stats.WalBytes, stats.ShmBytes, stats.PageSize, stats.PageCount,
            stats.FreePages, stats.Tables.ToDictionary(t => t.Name, t => t.Rows), tiers,
            last is null ? null : new MaintenanceRunDto(Alerts.AlertNotifier.Iso(last.StartedAtMs)!, Alerts.AlertNotifier.Iso(last.FinishedAtMs)!, last.Deleted, last.Error)));
    }
}
