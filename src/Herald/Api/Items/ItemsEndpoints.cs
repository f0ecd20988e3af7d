using Herald.Analytics;
using Herald.Api.Auth;
using Herald.Api.Teams;
using Herald.Domain;
using Herald.Ingestion;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Items;

public sealed record ItemEventDto(
    string? EventId, string Status, string OccurredAt, string ReceivedAt, string? Kind, string? Account, string? Channel, string? Provider,
    string? Route, string? Campaign, string? Country, string? Direction, string? Recipient, string? ErrorCode, string? ErrorMessage,
    double? Cost, int? Attempt, string? Text, System.Text.Json.JsonElement? Metadata);

public sealed record ItemDto(
    string ItemId, string Team, string Kind, string Status, string Outcome, string StatusAt, string EarliestAt, string? FirstSentAt,
    string? DeliveredAt, double? LatencySeconds, string? Account, string? Channel, string? Provider, string? Route, string? Campaign,
    string? Country, string? Direction, string? Recipient, double Cost, int EventCount, IReadOnlyList<ItemEventDto>? Events);

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

    private static Results<Ok<SuccessEnvelope<ItemDto>>, JsonHttpResult<ErrorEnvelope>> GetItem(
        string itemId, string? team, HttpContext http, IItemReader items, PendingRollups pending, DimensionRegistry registry, TeamDirectory directory)
    {
        var teams = TeamScope.Resolve(http, team);
        var found = new List<ItemRecord>();
        using (pending.Read())
        {
            var stored = items.FindItems(teams, itemId);
            foreach (int t in teams)
            {
                // The writer's latest state wins over the stored row until the next flush.
                var latest = pending.Item(t, itemId) ?? stored.FirstOrDefault(i => i.TeamId == t);
                if (latest is not null) found.Add(latest);
            }
        }
        if (found.Count == 0) return ApiResults.NotFound($"no item '{itemId}'");
        if (found.Count > 1) return ApiResults.BadRequest("team", $"item '{itemId}' exists in {found.Count} teams; name one with ?team=");
        var item = found[0];
        var events = items.EventsOf(item.Id).Select(e => ToDto(e, registry)).ToList();
        return ApiResults.Ok(ToDto(item, registry, directory, events));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<ItemDto>>> RecipientHistory(
        string recipient, string? team, int? limit, HttpContext http, IItemReader items, PendingRollups pending, DimensionRegistry registry, TeamDirectory directory)
    {
        int n = limit ?? 20;
        if (n is < 1 or > 100) throw new BadParameterException("limit", "must be from 1 to 100");
        var teams = TeamScope.Resolve(http, team);
        var list = new List<ItemDto>();
        using (pending.Read())
        {
            foreach (int t in teams)
            {
                var latest = new Dictionary<string, ItemRecord>();
                foreach (var item in items.RecipientHistory(t, recipient, n)) latest[item.ItemId] = item;
                foreach (var item in pending.ItemsOfRecipient(t, recipient)) latest[item.ItemId] = item;
                foreach (var item in latest.Values) list.Add(ToDto(item, registry, directory, null));
            }
        }
        IReadOnlyList<ItemDto> result = list.OrderByDescending(i => i.EarliestAt, StringComparer.Ordinal).Take(n).ToList();
        return ApiResults.Ok(result);
    }

    private static ItemDto ToDto(ItemRecord i, DimensionRegistry registry, TeamDirectory directory, IReadOnlyList<ItemEventDto>? events)
    {
        var d = registry.Get(i.DimensionSetId);
        var kind = (ItemKind)i.Kind;
        var status = (Status)i.Status;
        double? latency = null;
        if (i.FirstSuccessAtMs is { } success)
            latency = Math.Max(0, success - (i.FirstSentAtMs ?? i.EarliestAtMs)) / 1000.0;
        return new ItemDto(i.ItemId, directory.PublicIdOf(i.TeamId), ItemKinds.Name(kind), Statuses.Name(status),
            StatusLattice.OutcomeOf(kind, status).ToString().ToLowerInvariant(), EventParser.FormatTimestamp(i.StatusAtMs),
            EventParser.FormatTimestamp(i.EarliestAtMs), i.FirstSentAtMs is { } s ? EventParser.FormatTimestamp(s) : null,
            i.FirstSuccessAtMs is { } ok ? EventParser.FormatTimestamp(ok) : null, latency, d.Account, d.Channel, d.Provider, d.Route,
            d.Campaign, d.Country, d.Direction, i.Recipient, Math.Round(i.Cost, 6), i.EventCount, events);
    }

    private static ItemEventDto ToDto(EventRecord e, DimensionRegistry registry)
    {
        var d = registry.Get(e.DimensionSetId);
        System.Text.Json.JsonElement? metadata = e.MetadataJson is null ? null : System.Text.Json.JsonDocument.Parse(e.MetadataJson).RootElement;
        return new ItemEventDto(e.EventId, Statuses.Name(e.Status), EventParser.FormatTimestamp(e.OccurredAtMs),
            EventParser.FormatTimestamp(e.ReceivedAtMs), ItemKinds.Name(d.Kind), d.Account, d.Channel, d.Provider, d.Route, d.Campaign,
            d.Country, d.Direction, e.Recipient, e.ErrorCode, e.ErrorMessage, e.Cost, e.Attempt, e.Text, metadata);
    }
}
