using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Analytics;

public sealed record StalledItem(
    string ItemId, string Kind, string Status, string? Route, string? Provider, string? Channel, string? Recipient, DateTimeOffset Since,
    double AgeSeconds, double ThresholdSeconds);

/// <summary>
/// Items still in flight well past what their route normally takes: an item whose outcome is still pending, whose first
/// <c>sent</c> (else earliest event) is older than <c>factor</c> × its route's p99 delivery latency over the lookback (the
/// team's p99 for items without a route or routes without deliveries), and at least <c>min_seconds</c>. Items are the
/// stored ones created within the lookback plus the writer's unflushed ones.
/// </summary>
public sealed class StalledItems(IItemReader items, MetricsQuery metrics, PendingRollups pending, DimensionRegistry registry, TimeProvider time)
{
    public IReadOnlyList<StalledItem> Find(int teamId, TimeSpan lookback, double factor, double minSeconds, int limit)
    {
        var now = time.GetUtcNow();
        long nowMs = now.ToUnixTimeMilliseconds(), sinceMs = (now - lookback).ToUnixTimeMilliseconds();
        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var from = UtcMinute.FromUnixMillis(sinceMs);
        var routeP99 = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, totals) in metrics.Breakdown([teamId], MetricFilter.None, Dimension.Route, from, to, _ => ""))
            if (key is not null && totals.Latency is { } l) routeP99[key] = l.P99;
        double? teamP99 = metrics.Summary([teamId], MetricFilter.None, from, to).Latency?.P99;

        var latest = new Dictionary<string, ItemRecord>(StringComparer.Ordinal);
        using (pending.Read())
        {
            foreach (var item in items.RecentItems(teamId, sinceMs)) latest[item.ItemId] = item;
            foreach (var item in pending.ItemsOfTeam(teamId))
                if (item.EarliestAtMs >= sinceMs) latest[item.ItemId] = item;
        }

        var stalled = new List<StalledItem>();
        foreach (var item in latest.Values)
        {
            var kind = (ItemKind)item.Kind;
            var status = (Status)item.Status;
            if (StatusLattice.OutcomeOf(kind, status) != Outcome.Pending) continue;
            var d = registry.Get(item.DimensionSetId);
            double p99 = d.Route is { } r && routeP99.TryGetValue(r, out var rp) ? rp : teamP99 ?? 0;
            double threshold = Math.Max(minSeconds, factor * p99);
            long since = item.FirstSentAtMs ?? item.EarliestAtMs;
            double age = (nowMs - since) / 1000.0;
            if (age <= threshold) continue;
            stalled.Add(new StalledItem(item.ItemId, ItemKinds.Name(kind), Statuses.Name(status), d.Route, d.Provider, d.Channel, item.Recipient,
                Instants.At(since), Math.Round(age, 1), Math.Round(threshold, 3)));
        }
        stalled.Sort((a, b) => b.AgeSeconds.CompareTo(a.AgeSeconds) is var c and not 0 ? c : string.CompareOrdinal(a.ItemId, b.ItemId));
        return stalled.Count > limit ? stalled.GetRange(0, limit) : stalled;
    }
}
