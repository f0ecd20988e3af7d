using Herald.Analytics;
using Herald.Tests.Oracle;

namespace Herald.Tests.Snapshots;

/// <summary>
/// The snapshot figures recomputed by brute force from the raw events the test accepted (through <see cref="ReferenceModel"/>
/// for item state), written from the snapshot definitions and not from Herald's code.
/// </summary>
public sealed class SnapshotModel
{
    public readonly ReferenceModel Model = new();
    /// <summary>Each item's recipient: the first accepted event's that carried one.</summary>
    public readonly Dictionary<(string Team, string Item), string> Recipients = new();

    public string Apply(TestEvent e)
    {
        var outcome = Model.Apply(e);
        if (outcome == "accepted" && e.Recipient is not null) Recipients.TryAdd((e.Team, e.ItemId), e.Recipient);
        return outcome;
    }

    public sealed record Campaign(long Total, long Delivered, long Read, long Replied, long Failed, double Score);

    public sealed record Expected(
        long Total, long Inbound, long Outbound, long Sent, long Delivered, long Read, long Replied, long Failed, long Pending,
        double DeliveryRate, double ReadRate, double ReplyRate, double FailureRate, long PreviousTotal, double GrowthRate, long Events, double Cost,
        SortedDictionary<string, Campaign> Campaigns,
        long ContactsTotal, long ContactsNew, long ContactsActive, long ContactsReached, long ContactsEngaged, double EngagementRate, double AverageEngagementScore,
        long Conversations, long Responses, double? AverageResponseTime, long ConversationsOpen, long ConversationsClosed,
        long AllTotal, long AllDelivered, long AllFailed, long AllEvents);

    private static bool Inbound(ReferenceModel.Item i) => ReferenceModel.DimensionOf(i, "direction") == "inbound";

    private IEnumerable<ReferenceModel.Item> Of(string team, string? account) =>
        Model.Items.Values.Where(i => i.Team == team && (account is null || ReferenceModel.DimensionOf(i, "account") == account));

    /// <summary>Accounts with an item of the cohort or an event in [from, to).</summary>
    public SortedSet<string> AccountsWithTraffic(string team, long from, long to) =>
        new(Of(team, null).Where(i => (i.Earliest >= from && i.Earliest < to) || i.Events.Any(e => e.OccurredMs >= from && e.OccurredMs < to))
            .Select(i => ReferenceModel.DimensionOf(i, "account")).OfType<string>(), StringComparer.Ordinal);

    public Expected Compute(string team, string? account, long from, long to, long previousFrom)
    {
        var items = Of(team, account).ToList();
        var cohort = items.Where(i => i.Earliest >= from && i.Earliest < to).ToList();
        var messages = cohort.Where(i => i.Kind == "message").ToList();
        var outbound = messages.Where(i => !Inbound(i)).ToList();
        long Count(IEnumerable<ReferenceModel.Item> list, params string[] statuses) => list.Count(i => statuses.Contains(i.Status));
        long sent = Count(outbound, "sent", "delivered", "read", "replied");
        long delivered = Count(outbound, "delivered", "read", "replied");
        long read = Count(outbound, "read", "replied");
        long replied = Count(outbound, "replied");
        long failed = Count(outbound, "failed", "undelivered", "expired");
        long previousTotal = items.Count(i => i.Kind == "message" && i.Earliest >= previousFrom && i.Earliest < from);
        long events = items.Where(i => i.Kind == "message").Sum(i => i.Events.Count(e => e.OccurredMs >= from && e.OccurredMs < to));

        var campaigns = new SortedDictionary<string, Campaign>(StringComparer.Ordinal);
        var outboundMessages = items.Where(i => i.Kind == "message" && !Inbound(i) && ReferenceModel.DimensionOf(i, "campaign") is not null).ToList();
        foreach (var g in outboundMessages.GroupBy(i => ReferenceModel.DimensionOf(i, "campaign")!))
        {
            var c = g.Where(i => i.Earliest >= from && i.Earliest < to).ToList();
            bool traffic = c.Count > 0 || g.Any(i => i.Events.Any(e => e.OccurredMs >= from && e.OccurredMs < to));
            if (!traffic) continue;
            long cd = Count(c, "delivered", "read", "replied"), cr = Count(c, "read", "replied"), crep = Count(c, "replied"), cf = Count(c, "failed", "undelivered", "expired");
            double score = Calculations.CampaignScore(c.Count, Pct(cd, c.Count), Pct(cr, cd), Pct(crep, cd), Pct(cf, c.Count));
            campaigns[g.Key] = new Campaign(c.Count, cd, cr, crep, cf, score);
        }

        // Contacts and conversations: the cohort's message items that name a recipient.
        var byRecipient = messages.Where(i => Recipients.ContainsKey((i.Team, i.Id))).GroupBy(i => Recipients[(i.Team, i.Id)]).ToList();
        long reached = 0, engaged = 0, conversations = 0;
        double scores = 0;
        var responseTimes = new List<double>();
        foreach (var g in byRecipient)
        {
            var outs = g.Where(i => !Inbound(i)).ToList();
            var ins = g.Where(Inbound).ToList();
            long received = Count(outs, "delivered", "read", "replied"), r = Count(outs, "read", "replied"), rep = Count(outs, "replied");
            if (received > 0) reached++;
            if (r > 0 || ins.Count > 0) engaged++;
            scores += Calculations.ContactEngagementScore(received, r, rep, ins.Count);
            if (outs.Count > 0 && ins.Count > 0)
            {
                conversations++;
                foreach (var i in ins)
                {
                    var before = outs.Where(o => o.Earliest <= i.Earliest).Select(o => (long?)o.Earliest).Max();
                    if (before is { } b) responseTimes.Add((i.Earliest - b) / 1000.0);
                }
            }
        }
        long active = byRecipient.Count;

        // Contacts: the recipients of items of any kind that began before the period's end; new: whose first began in it.
        var firstSeen = items.Where(i => i.Earliest < to && Recipients.ContainsKey((i.Team, i.Id)))
            .GroupBy(i => Recipients[(i.Team, i.Id)]).Select(g => g.Min(i => i.Earliest)).ToList();
        // Open conversations: the recipient's last inbound message of the period had no outbound message within 24 h after it.
        long open = 0, closed = 0;
        foreach (var g in byRecipient)
        {
            var inbound = g.Where(Inbound).ToList();
            if (inbound.Count == 0) continue;
            long last = inbound.Max(i => i.Earliest);
            bool answered = items.Any(i => i.Kind == "message" && !Inbound(i) && Recipients.TryGetValue((i.Team, i.Id), out var r) && r == g.Key
                && i.Earliest > last && i.Earliest <= last + 86_400_000L);
            if (answered) closed++;
            else open++;
        }

        return new Expected(
            messages.Count, messages.Count - outbound.Count, outbound.Count, sent, delivered, read, replied, failed, outbound.Count - delivered - failed,
            Pct(delivered, outbound.Count), Pct(read, delivered), Pct(replied, delivered), Pct(failed, outbound.Count), previousTotal,
            previousTotal == 0 ? (messages.Count > 0 ? 100 : 0) : Math.Round((messages.Count - previousTotal) * 100.0 / previousTotal, 2),
            events, messages.Sum(i => i.Cost), campaigns,
            firstSeen.Count, firstSeen.Count(f => f >= from),
            active, reached, engaged, Pct(engaged, active), active == 0 ? 0 : Math.Round(scores / active, 2),
            conversations, responseTimes.Count, responseTimes.Count == 0 ? null : Math.Round(responseTimes.Average(), 2), open, closed,
            cohort.Count, cohort.Count(i => i.Outcome == "delivered"), cohort.Count(i => i.Outcome == "failed"),
            items.Sum(i => i.Events.Count(e => e.OccurredMs >= from && e.OccurredMs < to)));
    }

    private static double Pct(long part, long whole) => whole == 0 ? 0 : Math.Round(part * 100.0 / whole, 2);
}
