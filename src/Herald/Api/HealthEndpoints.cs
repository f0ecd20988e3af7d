using Herald.Storage.Sqlite;
using Herald.Engine;

namespace Herald.Api;

/// <summary><c>GET /healthz</c>: 200 when the process is up and its store answers; no key needed.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (SqliteStore store, IngestQueue queue) =>
        {
            try
            {
                store.Ping();
                var gc = GC.GetGCMemoryInfo();
                return Results.Ok(new
                {
                    status = "ok",
                    store = "sqlite",
                    queue_depth = queue.Depth,
                    events_written = queue.EventsWritten,
                    working_set_bytes = Environment.WorkingSet,
                    gc_heap_bytes = gc.HeapSizeBytes,
                    gc_committed_bytes = gc.TotalCommittedBytes,
                });
            }
            catch (Exception e)
            {
                return Results.Json(new { status = "unavailable", error = e.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).WithTags("Operations").WithSummary("Liveness and store reachability");
        return app;
    }
}
