using System.Diagnostics;
using Herald.Analytics;
using Herald.Analytics.Failures;
using Herald.Domain;
using Herald.Storage.Sqlite;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Bench;

/// <summary>
/// Failure analysis in process on the store an <c>endpoints</c> run filled (<c>--dir</c>): migrates it up first (timing
/// migration 13's backfill when the store predates it), then times windows of team acme read from failure cells with raw
/// edges, side by side with the same windows read wholly from the raw failing events (every retention horizon in the
/// future: what the analysis did before failure cells). Both answers must be equal.
/// </summary>
public static class FailuresBench
{
    private const int Runs = 30;

    public static void Run(BenchOptions o, Report report)
    {
        string path = Path.Combine(o.Dir, "endpoints", "herald.db");
        if (!File.Exists(path)) throw new InvalidOperationException($"{path} does not exist: run the endpoints bench first");
        using var store = new SqliteStore(path);
        var sw = Stopwatch.StartNew();
        var applied = store.MigrateUp();
        report.Add("migrations applied", applied.Count == 0 ? "none" : string.Join(", ", applied.Select(m => m.Version)), $"{sw.Elapsed.TotalMilliseconds:F0} ms");
        var registry = new DimensionRegistry();
        registry.Load(store);
        int team = new TeamDirectory(store, TimeProvider.System).ByPublicIdOrName("acme")!.Id;
        var cells = new FailureAnalysis(store, registry, new PendingRollups());
        var allRaw = new RetentionHorizons();
        foreach (var g in FailureCells.Stored) allRaw.Advance(g, new UtcMinute(long.MaxValue / 2));
        var raw = new FailureAnalysis(store, registry, new PendingRollups(), allRaw);

        long now = UtcMinute.FromDateTimeOffset(DateTimeOffset.UtcNow).ToUnixMillis();
        const long Hour = 3_600_000, Day = 24 * Hour;
        var campaign = new MetricFilter().Allow(Dimension.Campaign, ["acme-spring-sale"]);
        var windows = new (string Name, long From, long To, MetricFilter Filter)[]
        {
            ("last 24 h + previous 24 h", now - Day, now, MetricFilter.None),
            ("last 7 d + previous 7 d", now - 7 * Day, now, MetricFilter.None),
            ("last 30 d + previous 30 d", now - 30 * Day, now, MetricFilter.None),
            ("last 24 h, kind=otp", now - Day, now, new MetricFilter().Allow(Dimension.Kind, ["otp"])),
            ("last 4 d, campaign=acme-spring-sale", now - 4 * Day, now, campaign),
            ("last 1 h + previous 1 h", now - Hour, now, MetricFilter.None),
        };
        foreach (var (name, from, to, filter) in windows)
        {
            FailureReport a = null!, b = null!;
            var fast = Time(() => a = cells.Analyze(team, from, to, filter, 10));
            var slow = Time(() => b = raw.Analyze(team, from, to, filter, 10));
            if (a.Total != b.Total || a.PreviousTotal != b.PreviousTotal || a.DistinctCodes != b.DistinctCodes)
                throw new InvalidOperationException($"{name}: cells say {a.Total}/{a.PreviousTotal}/{a.DistinctCodes}, raw events {b.Total}/{b.PreviousTotal}/{b.DistinctCodes}");
            report.Add($"failures {name}: cells + raw edges", $"p50 {fast.P50:F1} ms, p99 {fast.P99:F1} ms", $"{a.Total:N0} failures now, {a.PreviousTotal:N0} before, {a.DistinctCodes} codes");
            report.Add($"failures {name}: raw failing events only (before)", $"p50 {slow.P50:F1} ms, p99 {slow.P99:F1} ms", $"cells {slow.P50 / fast.P50:F1}x faster at p50");
        }
    }

    /// <summary>p50 and p99 of <paramref name="runs"/> timed runs after one untimed warm-up.</summary>
    internal static (double P50, double P99) Time(Action action, int runs = Runs)
    {
        action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        return (times[runs / 2], times[(int)Math.Ceiling(runs * 0.99) - 1]);
    }
}
