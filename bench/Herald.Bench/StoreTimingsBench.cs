using System.Diagnostics;
using Herald.Storage;
using Herald.Storage.Sqlite;

namespace Herald.Bench;

/// <summary>
/// What the store's own timings (<see cref="StoreTimings"/>, behind <c>/api/v1/analytics/metrics/database</c>) cost, against
/// the same work without them, side by side: engine ingest in rounds that alternate which side goes first, on the same
/// generated stream; an empty write transaction (begin, commit: where the writer records) and a small store read (a pooled
/// reader connection opened, one query, given back: where a reader records), each way, with the bytes each allocates; and one
/// recording alone.
/// </summary>
public static class StoreTimingsBench
{
    public const int Rounds = 6;

    public static void Run(BenchOptions o, Report report)
    {
        Console.WriteLine($"store timings: engine ingest of {o.Events:N0} events, {Rounds} rounds each way, the first side alternating");
        var bare = new List<IngestBench.EngineRun>();
        var timed = new List<IngestBench.EngineRun>();
        for (int round = 0; round < Rounds; round++)
        {
            if (round % 2 == 0) bare.Add(IngestBench.Engine(o, quiet: true));
            timed.Add(IngestBench.Engine(o, new StoreTimings(TimeProvider.System), quiet: true));
            if (round % 2 == 1) bare.Add(IngestBench.Engine(o, quiet: true));
            Console.WriteLine($"  round {round + 1}: bare {bare[^1].EventsPerSecond:N0} events/s, timed {timed[^1].EventsPerSecond:N0} events/s");
        }
        double bareRate = Median(bare.Select(r => r.EventsPerSecond)), timedRate = Median(timed.Select(r => r.EventsPerSecond));
        var ratios = bare.Zip(timed, (b, t) => t.EventsPerSecond / b.EventsPerSecond).ToList();
        report.Add("engine ingest without store timings (median)", $"{bareRate:N0} events/s");
        report.Add("engine ingest with store timings (median)", $"{timedRate:N0} events/s",
            $"ratio timed/bare {timedRate / bareRate:F3}; per round {string.Join(", ", ratios.Select(r => r.ToString("F2")))}");

        using var bareStore = new SqliteStore(o.EngineDb);
        using var timedStore = new SqliteStore(o.EngineDb, timings: new StoreTimings(TimeProvider.System));
        bareStore.MigrateUp();
        var commitBare = new List<Cost>();
        var commitTimed = new List<Cost>();
        var readBare = new List<Cost>();
        var readTimed = new List<Cost>();
        for (int round = 0; round < Rounds; round++)
        {
            commitBare.Add(Measure(2_000, () => EmptyTransaction(bareStore)));
            commitTimed.Add(Measure(2_000, () => EmptyTransaction(timedStore)));
            readBare.Add(Measure(20_000, () => bareStore.FirstServerRunAt()));
            readTimed.Add(Measure(20_000, () => timedStore.FirstServerRunAt()));
        }
        Add(report, "write transaction, empty (begin, commit)", commitBare, commitTimed);
        Add(report, "store read opening a reader connection", readBare, readTimed);

        // The file layout behind the route's table and index sizes, over the store the last ingest left.
        var layoutTimes = new List<double>();
        StoreLayout layout = null!;
        for (int round = 0; round < 3; round++)
        {
            long start = Stopwatch.GetTimestamp();
            layout = bareStore.ReadLayout();
            layoutTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        report.Add($"file layout read ({layout.PageCount * layout.PageSize / 1_000_000:N0} MB store, {layout.Objects.Count} b-trees)",
            $"{layoutTimes.Min():F0} ms", $"best of 3; slowest {layoutTimes.Max():F0} ms");

        var timings = new StoreTimings(TimeProvider.System);
        var record = Measure(5_000_000, () => timings.Record(StoreTimings.WriteBatch, TimeSpan.FromMilliseconds(3.2)));
        report.Add("StoreTimings.Record, one call", $"{record.Ns:F0} ns", $"{record.Bytes:F2} bytes allocated per call after warm-up");
    }

    private static void EmptyTransaction(SqliteStore store)
    {
        using var session = store.BeginWrite();
        session.Commit();
    }

    private readonly record struct Cost(double Ns, double Bytes);

    /// <summary>Nanoseconds and bytes allocated per call of <paramref name="action"/>, after a tenth as many calls to warm up.</summary>
    private static Cost Measure(int calls, Action action)
    {
        for (int i = 0; i < calls / 10; i++) action();
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) action();
        double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
        return new Cost(ns, (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)calls);
    }

    /// <summary>The best round of each side (the least disturbed by the rest of the machine) and their ratio.</summary>
    private static void Add(Report report, string what, List<Cost> bare, List<Cost> timed)
    {
        double b = bare.Min(c => c.Ns), t = timed.Min(c => c.Ns);
        report.Add($"{what} (bare / timed, best of {Rounds})", $"{b / 1000:F2} / {t / 1000:F2} µs",
            $"ratio {t / b:F3}; bytes allocated per call {bare.Min(c => c.Bytes):F0} / {timed.Min(c => c.Bytes):F0}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
