using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Storage;
using Herald.Storage.Encryption;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Engine;

namespace Herald.Api.Items;

public sealed record ItemEventDto(
    string? EventId, string Status, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt, string? Kind, string? Account, string? Channel, string? Provider,
    string? Route, string? Campaign, string? Country, string? Direction, string? Agent, string? Template, string? Recipient, string? ErrorCode, string? ErrorMessage,
    double? Cost, int? Attempt, string? Text, System.Text.Json.JsonElement? Metadata);

/// <summary>An item as the API shows it; <c>error_code</c> is the code of the event that gave it its status. Lists leave out <c>events</c>.</summary>
public sealed record ItemDto(
    string ItemId, string Team, string Kind, string Status, string Outcome, DateTimeOffset StatusAt, DateTimeOffset EarliestAt, DateTimeOffset? FirstSentAt,
    DateTimeOffset? DeliveredAt, double? LatencySeconds, string? Account, string? Channel, string? Provider, string? Route, string? Campaign,
    string? Country, string? Direction, string? Agent, string? Template, string? Recipient, double Cost, string? ErrorCode, int EventCount,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<ItemEventDto>? Events);

public sealed class RecipientHistoryParameters : TeamParameters
{
    [FromQuery(Name = "limit"), Description("At most this many items, newest first. Default: 20.")]
    [Range(1, 100)]
    public int? Limit { get; init; }
}

/// <summary><c>/api/v1/items/{item_id}</c> and <c>/api/v1/recipients/{recipient}/history</c>.</summary>
public static class ItemsEndpoints
{
    public static IEndpointRouteBuilder MapItemsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").RequireScope(Scopes.MetricsRead).WithTags("Items");
        group.MapGet("/items/{itemId}", GetItem).WithSummary("One item with its current status, dimensions and whole event history");
        group.MapGet("/recipients/{recipient}/history", RecipientHistory).WithSummary("The latest items sent to one recipient");
        return app;
    }

    private static Results<Ok<SuccessEnvelope<ItemDto>>, NotFound<ErrorEnvelope>, BadRequest<ErrorEnvelope>> GetItem(
        string itemId, [AsParameters] TeamParameters parameters, HttpContext http, ItemHistory history)
    {
        var found = history.Latest(parameters.Teams(http), itemId);
        if (found.Count == 0) return ApiResults.NotFound($"no item '{itemId}'");
        if (found.Count > 1) return ApiResults.BadRequest("team", $"item '{itemId}' exists in {found.Count} teams; name one with ?team=");
        return ApiResults.Ok(history.ToDto(found[0], withEvents: true));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<ItemDto>>> RecipientHistory(
        string recipient, [AsParameters] RecipientHistoryParameters parameters, HttpContext http, IItemReader items, PendingRollups pending, ItemHistory history,
        RecipientPrivacy privacy)
    {
        recipient = privacy.Stored(recipient);
        int n = parameters.Limit ?? 20;
        var teams = parameters.Teams(http);
        var list = new List<ItemDto>();
        using (pending.Read())
        {
            foreach (int t in teams)
            {
                var latest = new Dictionary<string, ItemRecord>();
                foreach (var item in items.RecipientHistory(t, recipient, n)) latest[item.ItemId] = item;
                foreach (var item in pending.ItemsOfRecipient(t, recipient)) latest[item.ItemId] = item;
                foreach (var item in latest.Values) list.Add(history.ToDto(item, withEvents: false));
            }
        }
        IReadOnlyList<ItemDto> result = list.OrderByDescending(i => i.EarliestAt).Take(n).ToList();
        return ApiResults.Ok(result);
    }
}
