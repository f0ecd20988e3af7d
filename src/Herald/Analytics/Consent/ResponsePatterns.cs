using Herald.Domain;
using Herald.Engine;
using Herald.Storage;

namespace Herald.Analytics.Consent;

/// <summary>
/// How contacts answer the team's messages. A reply to an outbound message (an item of kind message whose direction is not
/// inbound, with a recipient, by its earliest event) is the first inbound message from that recipient after it, within
/// <see cref="ResponsePatterns.ReplyWindowHours"/> hours and before the recipient's next outbound message. Immediate replies
/// come within <see cref="ResponsePatterns.ImmediateWithinSeconds"/> seconds; <c>auto_reply_triggered</c> counts the keyword
/// messages (STOP, START, HELP, ...) that providers answer on their own.
/// </summary>
public sealed record ResponsePatternsSummary(
    long OutboundMessages, long Replies, double ReplyRatePercent, double? MedianResponseSeconds, long ImmediateResponses,
    long DelayedResponses, long AutoReplyTriggered, int ReplyWindowHours, int ImmediateWithinSeconds);

/// <summary>
/// Replies to the outbound messages of a window: the inbound messages of the window and the day after it (from the index of
/// texts), matched per contact against the outbound messages of the same span (the covering index of items by earliest event,
/// the writer's unflushed item states in place of their stored rows; only contacts that wrote back are kept in memory).
/// </summary>
public sealed class ResponsePatterns(IConsentReader reader, PendingRollups pending, DimensionRegistry registry)
{
    public const int ReplyWindowHours = 24;
    public const int ImmediateWithinSeconds = 300;
    private const long ReplyWindowMs = ReplyWindowHours * 3_600_000L;

    public ResponsePatternsSummary Of(int teamId, long fromMs, long toMs, long keywordMessages)
    {
        long endMs = toMs + ReplyWindowMs;
        var inbound = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        reader.ForEachInboundSender(teamId, fromMs, endMs, (at, sender) =>
        {
            if (!inbound.TryGetValue(sender, out var times)) inbound[sender] = times = new List<long>();
            times.Add(at);
        });
        var bySpan = inbound.GetAlternateLookup<ReadOnlySpan<char>>();
        var outbound = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        long sent = 0;

        void Consider(long atMs, int dimensionSetId, bool hasRecipient, ReadOnlySpan<char> recipient, HashSet<int> messageSets)
        {
            if (!hasRecipient || !messageSets.Contains(dimensionSetId)) return;
            if (atMs < toMs) sent++;
            if (!bySpan.TryGetValue(recipient, out var key, out _)) return;
            if (!outbound.TryGetValue(key, out var times)) outbound[key] = times = new List<long>();
            times.Add(atMs);
        }

        using (pending.Read())
        {
            var messageSets = new HashSet<int>();
            foreach (int id in registry.SetsOf(teamId))
            {
                var tuple = registry.Get(id);
                if (tuple.Kind == ItemKind.Message && !tuple.IsInbound) messageSets.Add(id);
            }
            var pendingItems = pending.ItemsOfTeam(teamId).ToList();
            var pendingRefs = pendingItems.Select(i => i.Id).ToHashSet();
            reader.ScanItemsByEarliest(teamId, fromMs, endMs, (itemRef, at, dims, hasRecipient, recipient) =>
            {
                if (!pendingRefs.Contains(itemRef)) Consider(at, dims, hasRecipient, recipient, messageSets);
            });
            foreach (var item in pendingItems)
                if (item.EarliestAtMs >= fromMs && item.EarliestAtMs < endMs)
                    Consider(item.EarliestAtMs, item.DimensionSetId, item.Recipient is not null, item.Recipient, messageSets);
        }

        var delays = new List<long>();
        foreach (var (contact, sends) in outbound)
        {
            var replies = inbound[contact];
            sends.Sort();
            replies.Sort();
            for (int k = 0; k < sends.Count; k++)
            {
                long at = sends[k];
                if (at >= toMs) break;
                long next = k + 1 < sends.Count ? sends[k + 1] : long.MaxValue;
                int i = FirstAfter(replies, at);
                if (i < replies.Count && replies[i] <= at + ReplyWindowMs && replies[i] < next) delays.Add(replies[i] - at);
            }
        }
        delays.Sort();
        double? median = delays.Count == 0 ? null
            : Math.Round((delays.Count % 2 == 1 ? delays[delays.Count / 2] : (delays[delays.Count / 2 - 1] + delays[delays.Count / 2]) / 2.0) / 1000, 3);
        long immediate = delays.Count(d => d <= ImmediateWithinSeconds * 1000L);
        return new ResponsePatternsSummary(sent, delays.Count, MetricTotals.Percent(delays.Count, sent), median, immediate, delays.Count - immediate,
            keywordMessages, ReplyWindowHours, ImmediateWithinSeconds);
    }

    /// <summary>The index of the first time after <paramref name="at"/> in sorted <paramref name="times"/>.</summary>
    private static int FirstAfter(List<long> times, long at)
    {
        int lo = 0, hi = times.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= at) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
