using System.Diagnostics;
using Herald.Domain;
using Herald.Engine;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>
/// One write of N new items (the shape of one huge provider callback, issue 12) at two sizes side by side, each on a fresh
/// store: the time per event of 170,000 against that of 17,000. Work that grows linearly keeps the ratio near 1; an item
/// cache that re-sorted itself on every insert once past its capacity made it grow with N. Then the item cache alone, every
/// entry pinned: time per insert at 1,700,000 against 170,000, and the entries its trims looked at per insert.
/// </summary>
public static class WriterScaleBench
{
    public static void Run(BenchOptions o, Report report)
    {
        Console.WriteLine("writer scale: one write of N new items");
        // Warm up (JIT, SQLite, the pool) so that neither measured size pays for it.
        WriteMicrosPerEvent(o, 2_000);
        CacheNanosPerInsert(170_000);
        double small = WriteMicrosPerEvent(o, 17_000), large = WriteMicrosPerEvent(o, 170_000);
        report.Add("one write of 17,000 new items", $"{small:F1} µs/event", "(baseline)");
        report.Add("one write of 170,000 new items", $"{large:F1} µs/event", $"ratio to 17,000: {large / small:F2}");

        var (cacheSmall, _) = CacheNanosPerInsert(170_000);
        var (cacheLarge, visits) = CacheNanosPerInsert(1_700_000);
        report.Add("item cache, 170,000 pinned inserts", $"{cacheSmall:F0} ns/insert", "(baseline)");
        report.Add("item cache, 1,700,000 pinned inserts", $"{cacheLarge:F0} ns/insert", $"ratio {cacheLarge / cacheSmall:F2}; {visits:F2} entries visited by trims per insert");
    }

    private static double WriteMicrosPerEvent(BenchOptions o, int items)
    {
        string path = Path.Combine(o.Dir, $"scale-{items}", "herald.db");
        if (Directory.Exists(Path.GetDirectoryName(path))) Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var store = new SqliteStore(path);
        store.MigrateUp();
        int team = store.CreateTeam("scale", "tm_scale", "wh_scale", 0).Id;
        var registry = new DimensionRegistry();
        registry.Load(store);
        // No flush inside the timed write: both sizes pay for the same work per event.
        var writer = new BatchWriter(store, registry, new PendingRollups(), TimeProvider.System,
            new WriterOptions { FlushInterval = TimeSpan.FromHours(1), MaxPendingItems = int.MaxValue, MaxPendingCells = int.MaxValue });
        writer.Recover();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var events = new IncomingEvent[items];
        for (int i = 0; i < items; i++)
            events[i] = new IncomingEvent
            {
                EventId = $"smpp:q{i}:DELIVRD", ItemId = $"q{i}", Status = Status.Delivered, OccurredAtMs = now - i % 3_600_000,
                Channel = "sms", Provider = "smpp", Direction = "outbound", MetadataJson = """{"smpp_stat":"DELIVRD"}""",
            };
        var watch = Stopwatch.StartNew();
        writer.Write([new IngestBatch(team, events)]);
        watch.Stop();
        SqliteConnection.ClearAllPools();
        double micros = watch.Elapsed.TotalMicroseconds / items;
        Console.WriteLine($"  {items:N0} items: {watch.Elapsed.TotalSeconds:F2} s, {micros:F1} µs/event");
        return micros;
    }

    private static (double NanosPerInsert, double VisitsPerInsert) CacheNanosPerInsert(int inserts)
    {
        var cache = new GenerationalCache<int, int>(50_000, _ => true);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < inserts; i++)
        {
            if (i % 1000 == 0) cache.NextGeneration();
            cache.Set(i, i);
        }
        watch.Stop();
        return (watch.Elapsed.TotalNanoseconds / inserts, cache.TrimVisits / (double)inserts);
    }
}
