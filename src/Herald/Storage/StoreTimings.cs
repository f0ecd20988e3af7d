using System.Collections.Concurrent;
using Herald.Engine;

namespace Herald.Storage;

/// <summary>One execution of a store operation among the slowest of the last hour.</summary>
public readonly record struct SlowOperation(string Operation, double DurationMs, long AtMs);

/// <summary>A store operation's executions of the last hour: count, mean, extremes and percentiles (log-scale, within 1.5 %).</summary>
public sealed record OperationTimings(string Operation, long Count, double AvgMs, double MinMs, double MaxMs, double P50Ms, double P95Ms, double P99Ms);

/// <summary>
/// A small recorder of the store's own timings: every store operation (named after the store method that opened its
/// connection; helpers shared by several methods report under their own name) and every write batch, in one-minute slots
/// of the last hour, each a sparse log-scale histogram of microseconds; the ten slowest executions of each minute; and the
/// page cache's hits and misses, read from each connection when it is given back.
/// </summary>
public sealed class StoreTimings(TimeProvider time)
{
    public const int WindowMinutes = 60;
    public const int SlowestKept = 10;
    /// <summary>The name a write transaction's timing is recorded under, from its start to its commit.</summary>
    public const string WriteBatch = "WriteBatch";

    private sealed class Slot
    {
        public long Minute = -1, Count;
        public double TotalUs, MinUs = double.MaxValue, MaxUs;
        public readonly Dictionary<int, long> Buckets = new();
    }

    private sealed class Ring
    {
        public readonly Slot[] Slots = Enumerable.Range(0, WindowMinutes).Select(_ => new Slot()).ToArray();
    }

    private readonly ConcurrentDictionary<string, Ring> _operations = new(StringComparer.Ordinal);
    private readonly (long Minute, List<SlowOperation> Slowest)[] _slowest = Enumerable.Range(0, WindowMinutes).Select(_ => (-1L, new List<SlowOperation>(SlowestKept))).ToArray();
    private long _cacheHits, _cacheMisses;

    public long CacheHits => Interlocked.Read(ref _cacheHits);
    public long CacheMisses => Interlocked.Read(ref _cacheMisses);

    public void AddCacheStats(long hits, long misses)
    {
        Interlocked.Add(ref _cacheHits, hits);
        Interlocked.Add(ref _cacheMisses, misses);
    }

    public void Record(string operation, TimeSpan elapsed)
    {
        long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds(), minute = nowMs / 60_000;
        double us = elapsed.Ticks / (double)TimeSpan.TicksPerMicrosecond;
        var slot = _operations.GetOrAdd(operation, _ => new Ring()).Slots[minute % WindowMinutes];
        lock (slot)
        {
            if (slot.Minute != minute)
            {
                (slot.Minute, slot.Count, slot.TotalUs, slot.MinUs, slot.MaxUs) = (minute, 0, 0, double.MaxValue, 0);
                slot.Buckets.Clear();
            }
            slot.Count++;
            slot.TotalUs += us;
            slot.MinUs = Math.Min(slot.MinUs, us);
            slot.MaxUs = Math.Max(slot.MaxUs, us);
            int bucket = LatencyScale.BucketOf((long)Math.Round(us));
            slot.Buckets[bucket] = slot.Buckets.GetValueOrDefault(bucket) + 1;
        }
        ref var slow = ref _slowest[minute % WindowMinutes];
        lock (_slowest)
        {
            if (slow.Minute != minute)
            {
                slow.Minute = minute;
                slow.Slowest.Clear();
            }
            var list = slow.Slowest;
            double ms = Math.Round(us / 1000, 3);
            if (list.Count == SlowestKept && list[^1].DurationMs >= ms) return;
            int at = 0;
            while (at < list.Count && list[at].DurationMs >= ms) at++;
            // A full list's last entry is shorter than this one, so it goes and this one lands within the list.
            if (list.Count == SlowestKept) list.RemoveAt(list.Count - 1);
            list.Insert(at, new SlowOperation(operation, ms, nowMs));
        }
    }

    /// <summary>Every operation with executions in the last <paramref name="minutes"/> minutes (the current one included), busiest first.</summary>
    public IReadOnlyList<OperationTimings> Operations(int minutes = WindowMinutes)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000;
        minutes = Math.Clamp(minutes, 1, WindowMinutes);
        var result = new List<OperationTimings>();
        foreach (var (name, ring) in _operations)
        {
            long count = 0;
            double total = 0, min = double.MaxValue, max = 0;
            var merged = new SortedDictionary<int, long>();
            foreach (var slot in ring.Slots)
                lock (slot)
                {
                    if (slot.Minute <= now - minutes || slot.Minute > now) continue;
                    count += slot.Count;
                    total += slot.TotalUs;
                    min = Math.Min(min, slot.MinUs);
                    max = Math.Max(max, slot.MaxUs);
                    foreach (var (b, n) in slot.Buckets) merged[b] = merged.GetValueOrDefault(b) + n;
                }
            if (count == 0) continue;
            double Percentile(double p)
            {
                long rank = Math.Max(1, (long)Math.Ceiling(p / 100 * count)), seen = 0;
                foreach (var (b, n) in merged)
                    if ((seen += n) >= rank) return Math.Clamp(LatencyScale.RepresentativeMs(b), min, max);
                return max;
            }
            static double Ms(double us) => Math.Round(us / 1000, 3);
            result.Add(new OperationTimings(name, count, Ms(total / count), Ms(min), Ms(max), Ms(Percentile(50)), Ms(Percentile(95)), Ms(Percentile(99))));
        }
        result.Sort((a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Operation, b.Operation));
        return result;
    }

    /// <summary>The <see cref="SlowestKept"/> slowest executions of the last <paramref name="minutes"/> minutes, slowest first.</summary>
    public IReadOnlyList<SlowOperation> Slowest(int minutes = WindowMinutes)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000;
        minutes = Math.Clamp(minutes, 1, WindowMinutes);
        lock (_slowest)
            return _slowest.Where(s => s.Minute > now - minutes && s.Minute <= now).SelectMany(s => s.Slowest)
                .OrderByDescending(s => s.DurationMs).ThenBy(s => s.AtMs).Take(SlowestKept).ToList();
    }
}
