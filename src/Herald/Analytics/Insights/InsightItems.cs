using Herald.Analytics.Items;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Analytics.Insights;

/// <summary>
/// One item as the insights read it: its recipient, when it was sent (its first <c>sent</c>, else its earliest event), its
/// current status and dimensions, and the error code its status came with.
/// </summary>
public readonly record struct InsightItem(string? Recipient, long SentAtMs, ItemKind Kind, Status Status, DimensionTuple Dims, string? ErrorCode)
{
    public bool Inbound => Dims.IsInbound;
    public bool Delivered => StatusLattice.IsSuccessOrBeyond(Kind, Status);
    public bool Failed => StatusLattice.OutcomeOf(Kind, Status) == Outcome.Failed;
    public bool Read => Status is Domain.Status.Read or Domain.Status.Replied;
    public bool Replied => Status == Domain.Status.Replied;
}

/// <summary>Sent, delivered, read and replied counts of a group of outbound items.</summary>
public sealed class Tally
{
    public long Sent { get; private set; }
    public long Delivered { get; private set; }
    public long Read { get; private set; }
    public long Replied { get; private set; }

    public void Add(in InsightItem item)
    {
        Sent++;
        if (item.Delivered) Delivered++;
        if (item.Read) Read++;
        if (item.Replied) Replied++;
    }

    public RateInterval DeliveryRate(double z = Alerts.Wilson.Z95) => RateInterval.Of(Delivered, Sent, z);
    public RateInterval ReadRate(double z = Alerts.Wilson.Z95) => RateInterval.Of(Read, Sent, z);
    public RateInterval ReplyRate(double z = Alerts.Wilson.Z95) => RateInterval.Of(Replied, Sent, z);
}

/// <summary>
/// Reads the items of a team's window for the insights: every item whose earliest event is in [from, to) and that matches
/// the filter, the stored rows and the writer's unflushed states over them (through <see cref="ItemSearch"/>).
/// </summary>
public sealed class InsightItems(ItemSearch search, DimensionRegistry registry)
{
    public List<InsightItem> Read(int teamId, long fromMs, long toMs, MetricFilter filter)
    {
        var items = new List<InsightItem>();
        using var reading = search.Read(new ItemQuery([teamId], fromMs, toMs, filter));
        foreach (var item in reading)
            items.Add(new InsightItem(item.Recipient, item.FirstSentAtMs ?? item.EarliestAtMs, (ItemKind)item.Kind, (Status)item.Status,
                registry.Get(item.DimensionSetId), item.ErrorCode));
        return items;
    }
}
