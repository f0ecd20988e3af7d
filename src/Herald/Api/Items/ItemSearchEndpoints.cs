using Herald.Analytics.Items;
using Herald.Api.Auth;
using Herald.Domain;
using Herald.Reports.Writers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Items;

/// <summary>A page of item search: the window read, the items newest first, and the cursor of the next page (null at the end).</summary>
public sealed record ItemPageDto(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ItemDto> Items, string? NextCursor);

/// <summary>
/// <c>GET /api/v1/items</c>: items by filters, a page at a time; <c>GET /api/v1/exports/items</c>: every item of the same
/// search as one CSV, NDJSON or XLSX file, streamed as it is read (not under <c>/items/</c>, where it would shadow an item
/// named <c>export</c>).
/// </summary>
public static class ItemSearchEndpoints
{
    public static IEndpointRouteBuilder MapItemSearchEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").RequireScope(Scopes.MetricsRead).WithTags("Items");
        group.MapGet("/items", Search)
            .WithSummary("Items whose earliest event falls in [from, to), newest first, by status, dimension, recipient and error code; a page at a time (next_cursor)");
        group.MapGet("/exports/items", Export)
            .WithSummary("Every item of the same search as a CSV, NDJSON or XLSX file, streamed as it is read");
        return app;
    }

    private static Ok<SuccessEnvelope<ItemPageDto>> Search(
        [AsParameters] ItemSearchParameters parameters, HttpContext http, ItemSearch search, ItemHistory history, TimeProvider time)
    {
        var query = parameters.ToQuery(http, time.GetUtcNow());
        var page = search.Page(query, parameters.After(), parameters.Limit ?? ItemSearchParameters.DefaultLimit);
        return ApiResults.Ok(new ItemPageDto(Instants.At(query.FromMs), Instants.At(query.ToMs),
            page.Items.Select(i => history.ToDto(i, withEvents: false)).ToList(), page.Next is { } next ? ItemCursor.Format(next) : null));
    }

    private static ItemExportResult Export([AsParameters] ItemExportParameters parameters, HttpContext http, TimeProvider time) =>
        new(parameters.ToQuery(http, time.GetUtcNow()), parameters.Format ?? TableRowWriters.Csv);
}
