using System.Text.Json;
using Herald.Engine;
using Herald.Hosting;
using Herald.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.Monitoring;

/// <summary>
/// <c>GET /healthz</c> on ASP.NET Core health checks: the store answers, the ingest queue has room, the data directory's disk
/// has space. Healthy and degraded answer 200, unhealthy 503; no key is needed, and nothing but figures is shown.
/// </summary>
public static class HealthChecks
{
    public static IServiceCollection AddHeraldHealthChecks(this IServiceCollection services)
    {
        services.AddSingleton<StoreHealth>();
        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store")
            .AddCheck<IngestQueueHealthCheck>("queue")
            .AddCheck<DiskSpaceHealthCheck>("disk");
        return services;
    }

    public static IEndpointRouteBuilder MapHeraldHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return app;
    }

    public static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "ok",
        HealthStatus.Degraded => "degraded",
        _ => "unavailable",
    };

    private static async Task WriteAsync(HttpContext http, HealthReport report)
    {
        var queue = http.RequestServices.GetRequiredService<IngestQueue>();
        var store = http.RequestServices.GetRequiredService<IStoreProbe>();
        var gc = GC.GetGCMemoryInfo();
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        string? error = report.Entries.Values.FirstOrDefault(e => e.Status == HealthStatus.Unhealthy).Description;
        await JsonSerializer.SerializeAsync(http.Response.Body, new
        {
            status = StatusName(report.Status),
            error,
            store = store.Provider,
            queue_depth = queue.Depth,
            events_written = queue.EventsWritten,
            working_set_bytes = Environment.WorkingSet,
            gc_heap_bytes = gc.HeapSizeBytes,
            gc_committed_bytes = gc.TotalCommittedBytes,
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = StatusName(e.Value.Status),
                description = e.Value.Description,
                duration_ms = Math.Round(e.Value.Duration.TotalMilliseconds, 3),
            }),
        }, cancellationToken: http.RequestAborted);
    }
}

public sealed class StoreHealthCheck(StoreHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = health.Probe();
        return Task.FromResult(probe.Ok ? HealthCheckResult.Healthy(probe.Description) : HealthCheckResult.Unhealthy(probe.Description));
    }
}

/// <summary>Degraded once the queue is over 80 % of its bound (requests are about to get 429), unhealthy when full.</summary>
public sealed class IngestQueueHealthCheck(IngestQueue queue, IngestOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        double share = options.MaxQueuedEvents <= 0 ? 0 : (double)queue.Depth / options.MaxQueuedEvents;
        string text = $"{queue.Depth} of {options.MaxQueuedEvents} events queued";
        return Task.FromResult(share >= 1 ? HealthCheckResult.Unhealthy(text) : share >= 0.8 ? HealthCheckResult.Degraded(text) : HealthCheckResult.Healthy(text));
    }
}

/// <summary>Degraded under 1 GB free on the data directory's file system, unhealthy under 100 MB (writes are about to fail).</summary>
public sealed class DiskSpaceHealthCheck(HeraldOptions options) : IHealthCheck
{
    public const long DegradedBelowBytes = 1L << 30;
    public const long UnhealthyBelowBytes = 100L << 20;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        long free = new DriveInfo(Path.GetFullPath(options.DataDir)).AvailableFreeSpace;
        string text = $"{free / (1 << 20)} MB free for the data directory";
        return Task.FromResult(free < UnhealthyBelowBytes ? HealthCheckResult.Unhealthy(text)
            : free < DegradedBelowBytes ? HealthCheckResult.Degraded(text) : HealthCheckResult.Healthy(text));
    }
}
