using Herald.Analytics.Items;
using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Api.Items;

/// <summary>Reads items as they are now: the writer's unflushed state wins over the stored row until the next flush.</summary>
public sealed class ItemHistory(IItemReader items, PendingRollups pending, DimensionRegistry registry, ItemRows rows)
{
    /// <summary>The item of that id in each of the given teams that has one.</summary>
    public IReadOnlyList<ItemRecord> Latest(IReadOnlyList<int> teams, string itemId)
    {
        var found = new List<ItemRecord>();
        using (pending.Read())
        {
            var stored = items.FindItems(teams, itemId);
            foreach (int t in teams)
            {
                var latest = pending.Item(t, itemId) ?? stored.FirstOrDefault(i => i.TeamId == t);
                if (latest is not null) found.Add(latest);
            }
        }
        return found;
    }

    /// <summary>One team's item with its events, or null.</summary>
    public ItemDto? Find(int teamId, string itemId) =>
        Latest([teamId], itemId) is [var item] ? ToDto(item, withEvents: true) : null;

    public ItemDto ToDto(ItemRecord i, bool withEvents)
    {
        var r = rows.Of(i);
        var d = r.Dimensions;
        var events = withEvents ? items.EventsOf(i.Id).Select(ToDto).ToList() : null;
        return new ItemDto(r.ItemId, r.Team, r.Kind, r.Status, r.Outcome, r.StatusAt, r.EarliestAt, r.FirstSentAt, r.DeliveredAt, r.LatencySeconds,
            d.Account, d.Channel, d.Provider, d.Route, d.Campaign, d.Country, d.Direction, d.Agent, d.Template, r.Recipient, r.Cost, r.ErrorCode, r.EventCount, events);
    }

    private ItemEventDto ToDto(EventRecord e)
    {
        var d = registry.Get(e.DimensionSetId);
        System.Text.Json.JsonElement? metadata = e.MetadataJson is null ? null : System.Text.Json.JsonDocument.Parse(e.MetadataJson).RootElement;
        return new ItemEventDto(e.EventId, Statuses.Name(e.Status), Instants.At(e.OccurredAtMs),
            Instants.At(e.ReceivedAtMs), ItemKinds.Name(d.Kind), d.Account, d.Channel, d.Provider, d.Route, d.Campaign,
            d.Country, d.Direction, d.Agent, d.Template, e.Recipient, e.ErrorCode, e.ErrorMessage, e.Cost, e.Attempt, e.Text, metadata);
    }
}
