using Herald.Analytics.Items;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Analytics.Insights;

/// <summary>
/// One item as the insights read it: its recipient, when it was sent (its first <c>sent</c>, else its earliest event), its
/// earliest event (its rollup cohort), its current status and dimensions, and the error code its status came with.
/// </summary>
public readonly record struct InsightItem(string? Recipient, long SentAtMs, long EarliestAtMs, ItemKind Kind, Status Status, int DimensionSetId,
    DimensionTuple Dims, string? ErrorCode)
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

    public void Add(in InsightItem item, int sign = 1)
    {
        Sent += sign;
        if (item.Delivered) Delivered += sign;
        if (item.Read) Read += sign;
        if (item.Replied) Replied += sign;
    }

    /// <summary>Adds the items of a rollup cell (all of one kind): its counts by current status are the same tally.</summary>
    public void Add(ItemKind kind, CellStats cell)
    {
        for (int s = 1; s < cell.ItemsByStatus.Length; s++)
        {
            long n = cell.ItemsByStatus[s];
            if (n == 0) continue;
            var status = (Status)s;
            Sent += n;
            if (StatusLattice.IsSuccessOrBeyond(kind, status)) Delivered += n;
            if (status is Status.Read or Status.Replied) Read += n;
            if (status == Status.Replied) Replied += n;
        }
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
    /// <param name="recipients">Only these recipients' items, read through the index by recipient (null: every item).</param>
    public List<InsightItem> Read(int teamId, long fromMs, long toMs, MetricFilter filter, IReadOnlySet<string>? recipients = null)
    {
        var items = new List<InsightItem>();
        if (recipients is { Count: 0 }) return items;
        using var reading = search.Read(new ItemQuery([teamId], fromMs, toMs, filter, Recipients: recipients));
        foreach (var item in reading)
            items.Add(new InsightItem(item.Recipient, item.FirstSentAtMs ?? item.EarliestAtMs, item.EarliestAtMs, (ItemKind)item.Kind, (Status)item.Status,
                item.DimensionSetId, registry.Get(item.DimensionSetId), item.ErrorCode));
        return items;
    }

    /// <summary>The recipient of every item of the window that has one and matches the filter, and whether the item is inbound.</summary>
    public void VisitRecipients(int teamId, long fromMs, long toMs, MetricFilter filter, Action<string, bool> visit)
    {
        // Per dimension set: 0 unseen, 1 outbound match, 2 inbound match, 3 no match.
        var verdicts = new Dictionary<int, byte>();
        search.VisitRecipients(teamId, fromMs, toMs, (recipient, dims) =>
        {
            if (!verdicts.TryGetValue(dims, out byte verdict))
            {
                var set = registry.Get(dims);
                verdicts[dims] = verdict = !filter.Matches(set) ? (byte)3 : set.IsInbound ? (byte)2 : (byte)1;
            }
            if (verdict != 3) visit(recipient, verdict == 2);
        });
    }
}
