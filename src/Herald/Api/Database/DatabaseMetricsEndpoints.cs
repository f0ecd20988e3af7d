using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Api.Auth;
using Herald.Domain;
using Herald.Monitoring;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Database;

public sealed record QueryMetricsDto(
    double? AverageQueryTimeMs, double? SlowestQueryMs, double? FastestQueryMs,
    [property: System.Text.Json.Serialization.JsonPropertyName("total_queries_1h")] long TotalQueries1h);

/// <summary>Seed 003's <c>database_performance</c>, as far as the store can say it (its <c>query_metrics</c> over the last hour).</summary>
public sealed record DatabasePerformanceDto(QueryMetricsDto QueryMetrics);

public sealed record OperationDto(string Operation, long Count, double AvgMs, double MinMs, double MaxMs, double P50Ms, double P95Ms, double P99Ms);

public sealed record SlowOperationDto(string Operation, double DurationMs, DateTimeOffset At);

public sealed record CacheDto(long Hits, long Misses, double? HitRatioPercent);

public sealed record PagesDto(long PageSize, long PageCount, long FreePages, long UsedPages, long UnattributedPages, long DatabaseBytes, long WalBytes);

public sealed record StoredObjectDto(string Name, string Table, long Pages, long Bytes);

public sealed record DatabaseMetricsDto(
    DateTimeOffset Timestamp, int WindowMinutes, DatabasePerformanceDto DatabasePerformance, IReadOnlyList<OperationDto> Operations,
    IReadOnlyList<SlowOperationDto> SlowestOperations, CacheDto Cache, PagesDto Pages, IReadOnlyList<StoredObjectDto> Tables,
    IReadOnlyList<StoredObjectDto> Indexes, DateTimeOffset LayoutAt);

public sealed class DatabaseMetricsParameters
{
    [FromQuery(Name = "minutes"), Description("The window of the timings: the last this many minutes, the current one included. Default: 60.")]
    [Range(1, StoreTimings.WindowMinutes)]
    public int? Minutes { get; init; }
}

/// <summary>
/// <c>GET /api/v1/analytics/metrics/database</c>: the store's own performance. Per store operation its executions of the
/// window with p50/p95/p99 (<see cref="StoreTimings"/>), the slowest executions, the page cache's hit ratio since start, the
/// file's pages, and every table and index with its size. The layout is read at most every <see cref="CachedStoreLayout.MaxAge"/>. Figures of the Herald process, not of a team: no team data is in them.
/// </summary>
public static class DatabaseMetricsEndpoints
{
    public static IEndpointRouteBuilder MapDatabaseMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/metrics/database", Database).RequireScope(Scopes.MetricsRead).WithTags("Operations")
            .WithSummary("Store query timings per operation (p50/p95/p99), slowest operations, page cache hit ratio, pages, table and index sizes");
        return app;
    }

    private static Ok<SuccessEnvelope<DatabaseMetricsDto>> Database([AsParameters] DatabaseMetricsParameters parameters, StoreTimings timings,
        CachedStoreLayout layouts, TimeProvider time)
    {
        int minutes = parameters.Minutes ?? StoreTimings.WindowMinutes;
        // The layout first: reading it is a store operation, which the timings read after it then include.
        var (at, layout) = layouts.Current();
        var now = time.GetUtcNow();
        var operations = timings.Operations(minutes);
        long total = operations.Sum(o => o.Count);
        var query = new QueryMetricsDto(total == 0 ? null : Math.Round(operations.Sum(o => o.AvgMs * o.Count) / total, 3),
            total == 0 ? null : operations.Max(o => o.MaxMs), total == 0 ? null : operations.Min(o => o.MinMs), total);
        long hits = timings.CacheHits, misses = timings.CacheMisses;
        StoredObjectDto Dto(StoredObject o) => new(o.Name, o.Table, o.Pages, o.Bytes);
        return ApiResults.Ok(new DatabaseMetricsDto(now, minutes, new DatabasePerformanceDto(query),
            operations.Select(o => new OperationDto(o.Operation, o.Count, o.AvgMs, o.MinMs, o.MaxMs, o.P50Ms, o.P95Ms, o.P99Ms)).ToList(),
            timings.Slowest(minutes).Select(s => new SlowOperationDto(s.Operation, s.DurationMs, Instants.At(s.AtMs))).ToList(),
            new CacheDto(hits, misses, hits + misses == 0 ? null : Math.Round(hits * 100.0 / (hits + misses), 2)),
            new PagesDto(layout.PageSize, layout.PageCount, layout.FreePages, layout.PageCount - layout.FreePages, layout.UnattributedPages,
                layout.PageCount * layout.PageSize, layout.WalBytes),
            layout.Objects.Where(o => o.Type == "table").Select(Dto).ToList(), layout.Objects.Where(o => o.Type == "index").Select(Dto).ToList(), at));
    }
}
