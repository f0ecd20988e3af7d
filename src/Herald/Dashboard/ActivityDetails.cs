using Herald.Engine;
using Herald.Storage;

namespace Herald.Dashboard;

/// <summary>
/// What a live activity entry shows beyond its event, read when the entry is sent rather than by the writer: a delivered
/// item's delivery time (its latency, as the metrics count it) and a started campaign's declared name and recipients.
/// </summary>
public sealed class ActivityDetails(IItemReader items, PendingRollups pending, ICampaignStore campaigns)
{
    /// <summary>Seconds from the item's first send (else its earliest event) to its first success; null before one.</summary>
    public double? DeliveryTimeSeconds(int teamId, string itemId)
    {
        ItemRecord? item;
        using (pending.Read()) item = pending.Item(teamId, itemId) ?? (items.FindItems([teamId], itemId) is [var found, ..] ? found : null);
        return item?.LatencyMs is { } ms ? ms / 1000.0 : null;
    }

    public CampaignRecord? Campaign(int teamId, string campaignId) => campaigns.FindCampaign(teamId, campaignId);
}
