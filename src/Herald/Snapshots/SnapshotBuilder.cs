using Herald.Analytics;
using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Snapshots;

/// <summary>A snapshot before it is stored: the team, the account (null = the whole team) and its metrics.</summary>
public sealed record BuiltSnapshot(int TeamId, string? Account, SnapshotPeriod Period, SnapshotMetrics Metrics);

/// <summary>
/// Computes the snapshots of one team for one period: the team-wide one and one per account with traffic in the period.
/// Message, campaign and item figures are read from the rollup cells per dimension set (<see cref="MetricsQuery.BySet"/>:
/// day cells, or one month cell for a whole month), so they equal <c>/api/v1/metrics</c> for the same window. Contacts and
/// conversations need recipients and per-item times, which rollups do not keep: they read the team's message items of
/// the period from the items table (the writer's unflushed item states win over stored rows, as for item history).
/// </summary>
public sealed class SnapshotBuilder(MetricsQuery query, ISnapshotStore store, PendingRollups pending, DimensionRegistry registry)
{
    public IReadOnlyList<BuiltSnapshot> Build(int teamId, SnapshotPeriod period)
    {
        var cells = query.BySet(teamId, period.Start, period.End);
        var previous = period.Previous;
        var previousCells = query.BySet(teamId, previous.Start, previous.End);
        var items = RecipientItems(teamId, period.Start.ToUnixMillis(), period.End.ToUnixMillis());

        var result = new List<BuiltSnapshot> { new(teamId, null, period, Compute(cells, previousCells, items, null)) };
        var accounts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (set, c) in cells)
            if (set.Account is { } a && HasTraffic(c)) accounts.Add(a);
        foreach (var account in accounts)
            result.Add(new BuiltSnapshot(teamId, account, period, Compute(cells, previousCells, items, account)));
        return result;
    }

    private static bool HasTraffic(CellStats c)
    {
        if (c.Events != 0) return true;
        foreach (var n in c.ItemsByStatus) if (n != 0) return true;
        return false;
    }

    /// <summary>The team's message items with a recipient whose earliest event is in [from, to), as they are now.</summary>
    private List<(RecipientItem Item, DimensionTuple Set)> RecipientItems(int teamId, long fromMs, long toMs)
    {
        var byId = new Dictionary<string, RecipientItem>(StringComparer.Ordinal);
        using (pending.Read())
        {
            store.ReadRecipientItems(teamId, fromMs, toMs, i => byId[i.ItemId] = i);
            foreach (var p in pending.ItemsOfTeam(teamId))
            {
                byId.Remove(p.ItemId);
                if (p.Kind == (int)ItemKind.Message && p.Recipient is { } r && p.EarliestAtMs >= fromMs && p.EarliestAtMs < toMs)
                    byId[p.ItemId] = new RecipientItem(p.ItemId, r, p.EarliestAtMs, p.Status, p.DimensionSetId);
            }
        }
        var list = new List<(RecipientItem, DimensionTuple)>(byId.Count);
        foreach (var item in byId.Values) list.Add((item, registry.Get(item.DimensionSetId)));
        return list;
    }

    private static SnapshotMetrics Compute(
        IReadOnlyList<(DimensionTuple Set, CellStats Cells)> cells, IReadOnlyList<(DimensionTuple Set, CellStats Cells)> previousCells,
        List<(RecipientItem Item, DimensionTuple Set)> items, string? account)
    {
        bool Selected(DimensionTuple t) => account is null || t.Account == account;

        // All kinds, and messages by direction, from the rollup cells.
        var all = new CellStats();
        var inbound = new CellStats();
        var outbound = new CellStats();
        var campaigns = new SortedDictionary<string, CellStats>(StringComparer.Ordinal);
        foreach (var (set, c) in cells)
        {
            if (!Selected(set)) continue;
            all.Add(c);
            if (set.Kind != ItemKind.Message) continue;
            if (set.IsInbound)
            {
                inbound.Add(c);
                continue;
            }
            outbound.Add(c);
            if (set.Campaign is { } campaign)
                (campaigns.TryGetValue(campaign, out var cc) ? cc : campaigns[campaign] = new CellStats()).Add(c);
        }
        long previousTotal = 0;
        foreach (var (set, c) in previousCells)
            if (Selected(set) && set.Kind == ItemKind.Message) previousTotal += ItemCount(c);

        var o = MessageCounts.Of(outbound);
        long inboundTotal = ItemCount(inbound);
        long total = o.Total + inboundTotal;
        var messages = new MessageMetrics(
            total, inboundTotal, o.Total, o.Sent, o.Delivered, o.Read, o.Replied, o.Failed, o.Pending,
            Calculations.DeliveryRate(o.Delivered, o.Total), Calculations.ReadRate(o.Read, o.Delivered),
            Calculations.ReplyRate(o.Replied, o.Delivered), Calculations.FailureRate(o.Failed, o.Total),
            previousTotal, Calculations.GrowthRate(total, previousTotal), outbound.Events + inbound.Events,
            Math.Round(outbound.Cost + inbound.Cost, 6));

        var campaignRows = new List<CampaignTotals>();
        foreach (var (name, c) in campaigns)
        {
            if (!HasTraffic(c)) continue;
            var k = MessageCounts.Of(c);
            double delivery = Calculations.DeliveryRate(k.Delivered, k.Total), read = Calculations.ReadRate(k.Read, k.Delivered);
            double reply = Calculations.ReplyRate(k.Replied, k.Delivered), failure = Calculations.FailureRate(k.Failed, k.Total);
            campaignRows.Add(new CampaignTotals(name, k.Total, k.Sent, k.Delivered, k.Read, k.Replied, k.Failed, delivery, read, reply, failure,
                Calculations.ConversionRate(k.Replied, k.Total), Calculations.CampaignScore(k.Total, delivery, read, reply, failure)));
        }
        campaignRows.Sort((a, b) => b.Total != a.Total ? b.Total.CompareTo(a.Total) : string.CompareOrdinal(a.Campaign, b.Campaign));
        var campaignMetrics = new CampaignMetrics(
            campaignRows.Count, campaignRows.Sum(c => c.Total), campaignRows.Sum(c => c.Delivered),
            Mean(campaignRows.Select(c => c.DeliveryRate)), Mean(campaignRows.Select(c => c.ReadRate)), Mean(campaignRows.Select(c => c.Score)),
            campaignRows);

        var (contacts, conversations) = People(items, account);
        var a = new MetricTotals(all);
        var allItems = new ItemMetrics(a.Total, a.Delivered, a.Failed, a.Pending, Calculations.DeliveryRate(a.Delivered, a.Total),
            Calculations.FailureRate(a.Failed, a.Total), a.Events, a.Cost);
        return new SnapshotMetrics(messages, campaignMetrics, contacts, conversations, allItems);
    }

    private static (ContactMetrics, ConversationMetrics) People(List<(RecipientItem Item, DimensionTuple Set)> items, string? account)
    {
        var byRecipient = new Dictionary<string, List<(RecipientItem Item, bool Inbound)>>(StringComparer.Ordinal);
        foreach (var (item, set) in items)
        {
            if (account is not null && set.Account != account) continue;
            (byRecipient.TryGetValue(item.Recipient, out var l) ? l : byRecipient[item.Recipient] = []).Add((item, set.IsInbound));
        }
        long reached = 0, engaged = 0, conversations = 0;
        double scoreSum = 0;
        var responseTimes = new List<double>();
        foreach (var (_, list) in byRecipient)
        {
            long received = 0, read = 0, replied = 0, inboundCount = 0;
            foreach (var (item, inbound) in list)
            {
                if (inbound)
                {
                    inboundCount++;
                    continue;
                }
                var status = (Status)item.Status;
                if (status is Status.Delivered or Status.Read or Status.Replied) received++;
                if (status is Status.Read or Status.Replied) read++;
                if (status is Status.Replied) replied++;
            }
            if (received > 0) reached++;
            if (read > 0 || inboundCount > 0) engaged++;
            scoreSum += Calculations.ContactEngagementScore(received, read, replied, inboundCount);
            if (inboundCount > 0 && inboundCount < list.Count)
            {
                conversations++;
                // Each inbound message answers the latest outbound message that came before it (or at the same time).
                list.Sort((x, y) => x.Item.EarliestAtMs != y.Item.EarliestAtMs
                    ? x.Item.EarliestAtMs.CompareTo(y.Item.EarliestAtMs)
                    : x.Inbound.CompareTo(y.Inbound)); // outbound first on a tie
                long? lastOutbound = null;
                foreach (var (item, inbound) in list)
                {
                    if (!inbound) lastOutbound = item.EarliestAtMs;
                    else if (lastOutbound is { } at) responseTimes.Add((item.EarliestAtMs - at) / 1000.0);
                }
            }
        }
        long active = byRecipient.Count;
        var contacts = new ContactMetrics(active, reached, engaged, Calculations.EngagementRate(engaged, active),
            active == 0 ? 0 : Math.Round(scoreSum / active, 2));
        return (contacts, new ConversationMetrics(conversations, responseTimes.Count, Calculations.AverageResponseTime(responseTimes)));
    }

    private static long ItemCount(CellStats c)
    {
        long n = 0;
        for (int s = 1; s < c.ItemsByStatus.Length; s++) n += c.ItemsByStatus[s];
        return n;
    }

    private static double Mean(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (var v in values)
        {
            sum += v;
            n++;
        }
        return n == 0 ? 0 : Math.Round(sum / n, 2);
    }

    /// <summary>Message items by current status (the message lattice: queued &lt; sent &lt; failures &lt; delivered &lt; read &lt; replied).</summary>
    private readonly record struct MessageCounts(long Total, long Sent, long Delivered, long Read, long Replied, long Failed, long Pending)
    {
        public static MessageCounts Of(CellStats c)
        {
            long N(Status s) => c.ItemsByStatus[(int)s];
            long queued = N(Status.Queued), sent = N(Status.Sent), delivered = N(Status.Delivered), read = N(Status.Read), replied = N(Status.Replied);
            long failed = StatusLattice.FailureStatusesOf(ItemKind.Message).Sum(N);
            long total = ItemCount(c);
            return new MessageCounts(total, sent + delivered + read + replied, delivered + read + replied, read + replied, replied, failed, queued + sent);
        }
    }
}
