using Herald.Analytics;
using Herald.Analytics.Campaigns;
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
/// conversations need recipients and per-item times, which rollups do not keep: they read the team's items from the items
/// table (the writer's unflushed item states win over stored rows, as for item history), and consent from its changes.
/// Campaign completion reads each declared campaign's items over its life (see <see cref="CampaignMetrics"/>).
/// </summary>
public sealed class SnapshotBuilder(
    MetricsQuery query, ISnapshotStore store, ICampaignStore campaigns, PendingRollups pending, DimensionRegistry registry, TimeProvider time)
{
    /// <summary>An inbound message answered within this is a closed conversation.</summary>
    public static readonly TimeSpan ReplyWindow = TimeSpan.FromHours(24);

    /// <summary>The team-wide snapshot and one per account with traffic; with <paramref name="account"/>, that account's only.</summary>
    public IReadOnlyList<BuiltSnapshot> Build(int teamId, SnapshotPeriod period, string? account = null)
    {
        var inputs = Read(teamId, period.Start, period.End, period.Previous.Start);
        if (account is not null) return [new BuiltSnapshot(teamId, account, period, Compute(inputs, account))];
        var result = new List<BuiltSnapshot> { new(teamId, null, period, Compute(inputs, null)) };
        var accounts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (set, c) in inputs.Cells)
            if (set.Account is { } a && HasTraffic(c)) accounts.Add(a);
        foreach (var a in accounts)
            result.Add(new BuiltSnapshot(teamId, a, period, Compute(inputs, a)));
        return result;
    }

    /// <summary>The team-wide metrics of [<paramref name="from"/>, <paramref name="to"/>), grown against [<paramref name="previousFrom"/>, from).</summary>
    public SnapshotMetrics BuildWindow(int teamId, UtcMinute from, UtcMinute to, UtcMinute previousFrom) => Compute(Read(teamId, from, to, previousFrom), null);

    /// <summary>Everything one team's snapshots of a window are computed from.</summary>
    private sealed record Inputs(
        int TeamId, long FromMs, long ToMs, UtcMinute At,
        IReadOnlyList<(DimensionTuple Set, CellStats Cells)> Cells, IReadOnlyList<(DimensionTuple Set, CellStats Cells)> PreviousCells,
        List<(RecipientItem Item, DimensionTuple Set)> Items, Contacts Contacts, IReadOnlyDictionary<string, CampaignRecord> Declared,
        Dictionary<string, MetricTotals> Lifetimes);

    private Inputs Read(int teamId, UtcMinute from, UtcMinute to, UtcMinute previousFrom)
    {
        long fromMs = from.ToUnixMillis(), toMs = to.ToUnixMillis();
        var now = time.GetUtcNow();
        // Replies to the period's last inbound messages may come up to a day after it ends.
        long itemsUntil = Math.Max(toMs, Math.Min(toMs + (long)ReplyWindow.TotalMilliseconds, now.ToUnixTimeMilliseconds() + 1));
        var cells = query.BySet(teamId, from, to);
        var previousCells = query.BySet(teamId, previousFrom, from);
        List<(RecipientItem, DimensionTuple)> items;
        Contacts contacts;
        using (pending.Read())
        {
            items = RecipientItems(teamId, fromMs, itemsUntil);
            contacts = CountContacts(teamId, fromMs, toMs);
        }
        var at = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        if (to < at) at = to;
        var declared = campaigns.ListCampaigns(teamId).ToDictionary(c => c.CampaignId, StringComparer.Ordinal);
        return new Inputs(teamId, fromMs, toMs, at, cells, previousCells, items, contacts, declared, new Dictionary<string, MetricTotals>(StringComparer.Ordinal));
    }

    /// <summary>The team's message items with a recipient whose earliest event is in [from, to), as they are now (under the pending read lock).</summary>
    private List<(RecipientItem Item, DimensionTuple Set)> RecipientItems(int teamId, long fromMs, long toMs)
    {
        var byId = new Dictionary<string, RecipientItem>(StringComparer.Ordinal);
        store.ReadRecipientItems(teamId, fromMs, toMs, i => byId[i.ItemId] = i);
        foreach (var p in pending.ItemsOfTeam(teamId))
        {
            byId.Remove(p.ItemId);
            if (p.Kind == (int)ItemKind.Message && p.Recipient is { } r && p.EarliestAtMs >= fromMs && p.EarliestAtMs < toMs)
                byId[p.ItemId] = new RecipientItem(p.ItemId, r, p.EarliestAtMs, p.Status, p.DimensionSetId);
        }
        var list = new List<(RecipientItem, DimensionTuple)>(byId.Count);
        foreach (var item in byId.Values) list.Add((item, registry.Get(item.DimensionSetId)));
        return list;
    }

    /// <summary>Contacts, new contacts and blocked contacts, team-wide and per account.</summary>
    private sealed record Contacts(ContactCount Team, IReadOnlyDictionary<string, ContactCount> ByAccount);

    private sealed record ContactCount(long Total, long New, long Blocked);

    /// <summary>
    /// The stored counts, corrected by the writer's unflushed items (a recipient only they know is a contact; one they saw
    /// earlier than the store did moves its first time), and the blocked recipients (consent changes are stored with their
    /// raw event, so none is pending) among the team's and each account's contacts. Under the pending read lock.
    /// </summary>
    private Contacts CountContacts(int teamId, long fromMs, long toMs)
    {
        var stored = store.CountContacts(teamId, fromMs, toMs);
        var team = (stored.Team.Total, stored.Team.New);
        var accounts = stored.ByAccount.ToDictionary(p => p.Key, p => (p.Value.Total, p.Value.New), StringComparer.Ordinal);
        var pendingFirst = new Dictionary<(string? Account, string Recipient), long>();
        var pendingAccounts = new HashSet<(string Account, string Recipient)>();
        foreach (var p in pending.ItemsOfTeam(teamId))
        {
            if (p.Recipient is not { } r || p.EarliestAtMs >= toMs) continue;
            string? account = registry.Get(p.DimensionSetId).Account;
            Earliest(pendingFirst, (null, r), p.EarliestAtMs);
            if (account is not null)
            {
                Earliest(pendingFirst, (account, r), p.EarliestAtMs);
                pendingAccounts.Add((account, r));
            }
        }
        foreach (var ((account, recipient), first) in pendingFirst)
        {
            long? storedFirst = store.FirstContact(teamId, recipient, account, toMs);
            long combined = storedFirst is { } s ? Math.Min(s, first) : first;
            long addTotal = storedFirst is null ? 1 : 0;
            long addNew = (combined >= fromMs ? 1 : 0) - (storedFirst is { } old && old >= fromMs ? 1 : 0);
            if (account is null) team = (team.Total + addTotal, team.New + addNew);
            else
            {
                var (t, n) = accounts.GetValueOrDefault(account);
                accounts[account] = (t + addTotal, n + addNew);
            }
        }

        var blocked = store.BlockedRecipients(teamId, toMs);
        var blockedSet = blocked.ToHashSet(StringComparer.Ordinal);
        var blockedByAccount = new HashSet<(string Account, string Recipient)>(store.AccountsOfRecipients(teamId, blocked, toMs));
        foreach (var pair in pendingAccounts)
            if (blockedSet.Contains(pair.Recipient)) blockedByAccount.Add(pair);
        var blockedCounts = blockedByAccount.GroupBy(p => p.Account).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        return new Contacts(new ContactCount(team.Total, team.New, blocked.Count),
            accounts.ToDictionary(p => p.Key, p => new ContactCount(p.Value.Total, p.Value.New, blockedCounts.GetValueOrDefault(p.Key)), StringComparer.Ordinal));
    }

    private static void Earliest<TKey>(Dictionary<TKey, long> firsts, TKey key, long at) where TKey : notnull
    {
        if (!firsts.TryGetValue(key, out long known) || at < known) firsts[key] = at;
    }

    private static bool HasTraffic(CellStats c)
    {
        if (c.Events != 0) return true;
        foreach (var n in c.ItemsByStatus) if (n != 0) return true;
        return false;
    }

    private SnapshotMetrics Compute(Inputs inputs, string? account)
    {
        var (cells, previousCells, items) = (inputs.Cells, inputs.PreviousCells, inputs.Items);
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
        var (campaignCount, completed, failedCampaigns, recipients) = CampaignStatuses(inputs, account, campaignRows);
        var campaignMetrics = new CampaignMetrics(
            campaignCount, campaignRows.Count, completed, failedCampaigns, recipients, campaignRows.Sum(c => c.Total), campaignRows.Sum(c => c.Delivered),
            Mean(campaignRows.Select(c => c.DeliveryRate)), Mean(campaignRows.Select(c => c.ReadRate)), Mean(campaignRows.Select(c => c.Score)),
            campaignRows);

        var known = account is null ? inputs.Contacts.Team : inputs.Contacts.ByAccount.GetValueOrDefault(account) ?? new ContactCount(0, 0, 0);
        var (contacts, conversations) = People(items, account, inputs.ToMs, known);
        var a = new MetricTotals(all);
        var allItems = new ItemMetrics(a.Total, a.Delivered, a.Failed, a.Pending, Calculations.DeliveryRate(a.Delivered, a.Total),
            Calculations.FailureRate(a.Failed, a.Total), a.Events, a.Cost);
        return new SnapshotMetrics(messages, campaignMetrics, contacts, conversations, allItems);
    }

    /// <summary>
    /// The campaigns counted (active, or declared in the window), the declared ones finished by the window's end (or now)
    /// as completed or failed, and their recipients (see <see cref="CampaignMetrics"/>).
    /// </summary>
    private (long Total, long Completed, long Failed, long Recipients) CampaignStatuses(Inputs inputs, string? account, List<CampaignTotals> active)
    {
        var counted = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in active) counted[c.Campaign] = c.Total;
        foreach (var d in inputs.Declared.Values)
            if (d.CreatedAtMs >= inputs.FromMs && d.CreatedAtMs < inputs.ToMs && (account is null || d.Account == account)) counted.TryAdd(d.CampaignId, 0);
        long completed = 0, failed = 0, recipients = 0;
        foreach (var (id, messages) in counted)
        {
            if (!inputs.Declared.TryGetValue(id, out var declared))
            {
                recipients += messages;
                continue;
            }
            recipients += declared.TotalRecipients;
            if (!inputs.Lifetimes.TryGetValue(id, out var life))
            {
                var start = CampaignAnalytics.LifetimeStart(declared, inputs.At.ToDateTimeOffset());
                life = inputs.Lifetimes[id] = query.Summary([inputs.TeamId], new MetricFilter().Allow(Dimension.Campaign, [id]), start, inputs.At);
            }
            if (declared.TotalRecipients <= 0 || life.Total < declared.TotalRecipients || life.Pending > 0) continue;
            if (life.Delivered >= life.Failed) completed++;
            else failed++;
        }
        return (counted.Count, completed, failed, recipients);
    }

    private static (ContactMetrics, ConversationMetrics) People(
        List<(RecipientItem Item, DimensionTuple Set)> all, string? account, long toMs, ContactCount known)
    {
        // The window's items, and the outbound ones up to a day after it that may answer its last inbound messages.
        var byRecipient = new Dictionary<string, List<(RecipientItem Item, bool Inbound)>>(StringComparer.Ordinal);
        var later = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var (item, set) in all)
        {
            if (account is not null && set.Account != account) continue;
            if (item.EarliestAtMs >= toMs)
            {
                if (!set.IsInbound) (later.TryGetValue(item.Recipient, out var l) ? l : later[item.Recipient] = []).Add(item.EarliestAtMs);
                continue;
            }
            (byRecipient.TryGetValue(item.Recipient, out var list) ? list : byRecipient[item.Recipient] = []).Add((item, set.IsInbound));
        }
        long open = 0, closed = 0;
        long replyMs = (long)ReplyWindow.TotalMilliseconds;
        foreach (var (recipient, list) in byRecipient)
        {
            long lastInbound = long.MinValue;
            foreach (var (item, inbound) in list)
                if (inbound && item.EarliestAtMs > lastInbound) lastInbound = item.EarliestAtMs;
            if (lastInbound == long.MinValue) continue;
            bool Answers(long at) => at > lastInbound && at <= lastInbound + replyMs;
            bool answered = list.Any(x => !x.Inbound && Answers(x.Item.EarliestAtMs)) || (later.TryGetValue(recipient, out var after) && after.Any(Answers));
            if (answered) closed++;
            else open++;
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
        var contacts = new ContactMetrics(known.Total, known.New, known.Blocked, active, reached, engaged, Calculations.EngagementRate(engaged, active),
            active == 0 ? 0 : Math.Round(scoreSum / active, 2));
        return (contacts, new ConversationMetrics(conversations, open, closed, responseTimes.Count, Calculations.AverageResponseTime(responseTimes)));
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
