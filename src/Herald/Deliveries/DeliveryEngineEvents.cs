using System.Text.Json;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Deliveries;

/// <summary>
/// How a delivery's tracking event becomes an engine event. Each attempt is its own item of kind parcel
/// (<c>delivery:{id}:{attempt}</c>), on the courier channel, outbound, in the country of the customer's phone, naming its
/// agent from the event that first carries one, so every metric, breakdown, filter and alert works per agent. The event id
/// is the tracking event's, so submitting it again is a duplicate the engine drops.
/// </summary>
public static class DeliveryEngineEvents
{
    public const string Channel = "courier";

    public static string ItemId(string deliveryPublicId, int attempt) => $"delivery:{deliveryPublicId}:{attempt}";

    public static string EventId(long trackingId) => $"delivery-tracking:{trackingId}";

    public static IncomingEvent ToEvent(TrackedEvent t) => new()
    {
        EventId = EventId(t.TrackingId),
        ItemId = ItemId(t.DeliveryPublicId, t.Attempt),
        Kind = ItemKind.Parcel,
        Status = t.Status,
        OccurredAtMs = t.OccurredAtMs,
        Channel = Channel,
        Direction = "outbound",
        Country = t.Country,
        Agent = t.AgentPublicId,
        Attempt = t.Attempt,
        Text = t.Notes,
        MetadataJson = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["delivery_id"] = t.DeliveryPublicId,
            ["location"] = t.Location is { } p ? new[] { p.Longitude, p.Latitude } : null,
        }),
    };
}
