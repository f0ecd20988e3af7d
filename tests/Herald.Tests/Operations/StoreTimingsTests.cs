using Herald.Storage;
using Herald.Tests.Support;

namespace Herald.Tests.Operations;

/// <summary>The store timing recorder against the exact figures of the durations given to it, with a clock the test moves.</summary>
public sealed class StoreTimingsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The nearest-rank percentile of the exact values.</summary>
    private static double Exact(List<double> sorted, double p) => sorted[(int)Math.Max(0, Math.Ceiling(p / 100 * sorted.Count) - 1)];

    [Fact]
    public void Percentiles_are_within_the_scale_of_the_exact_ones_and_the_slowest_are_the_ten_longest()
    {
        var clock = new ManualClock(T0);
        var timings = new StoreTimings(clock);
        var random = new Random(3);
        var all = new List<(string Op, double Ms, long At)>();
        for (int minute = 0; minute < 5; minute++)
        {
            clock.Now = T0.AddMinutes(minute);
            for (int i = 0; i < 2_000; i++)
            {
                string op = i % 3 == 0 ? "ReadA" : "ReadB";
                // Log-normal-ish durations from 20 µs to a few hundred ms, and many that round to the same millisecond.
                double ms = i % 50 == 0 ? 12.0 : Math.Exp(random.NextDouble() * 9 - 4);
                timings.Record(op, TimeSpan.FromTicks((long)Math.Round(ms * TimeSpan.TicksPerMillisecond)));
                all.Add((op, Math.Round(ms * TimeSpan.TicksPerMillisecond) / TimeSpan.TicksPerMillisecond, clock.Now.ToUnixTimeMilliseconds()));
            }
        }

        var operations = timings.Operations();
        Assert.Equal(["ReadB", "ReadA"], operations.Select(o => o.Operation));
        foreach (var o in operations)
        {
            var sorted = all.Where(x => x.Op == o.Operation).Select(x => x.Ms).Order().ToList();
            Assert.Equal(sorted.Count, o.Count);
            Assert.Equal(Math.Round(sorted.Average(), 3), o.AvgMs, 3);
            Assert.Equal(Math.Round(sorted[0], 3), o.MinMs);
            Assert.Equal(Math.Round(sorted[^1], 3), o.MaxMs);
            foreach (var (p, got) in new[] { (50.0, o.P50Ms), (95.0, o.P95Ms), (99.0, o.P99Ms) })
            {
                double exact = Exact(sorted, p);
                Assert.True(Math.Abs(got - exact) <= exact * 0.015 + 0.002, $"{o.Operation} p{p}: {got} against {exact}");
            }
        }

        var slowest = timings.Slowest();
        var expected = all.OrderByDescending(x => Math.Round(x.Ms, 3)).Take(StoreTimings.SlowestKept).Select(x => Math.Round(x.Ms, 3)).ToList();
        Assert.Equal(expected, slowest.Select(s => s.DurationMs));
    }

    [Fact]
    public void A_window_counts_only_its_minutes_and_an_hour_old_minute_is_reused_for_the_new_one()
    {
        var clock = new ManualClock(T0);
        var timings = new StoreTimings(clock);
        timings.Record("Old", TimeSpan.FromMilliseconds(900));
        clock.Now = T0.AddMinutes(30);
        timings.Record("Mid", TimeSpan.FromMilliseconds(5));
        timings.Record("Mid", TimeSpan.FromMilliseconds(7));
        clock.Now = T0.AddMinutes(59);
        Assert.Equal(["Mid", "Old"], timings.Operations().Select(o => o.Operation));
        Assert.Equal(["Mid"], timings.Operations(30).Select(o => o.Operation));
        Assert.Empty(timings.Operations(29));
        Assert.Equal(900, timings.Slowest()[0].DurationMs);

        // Sixty minutes on, the first minute's slot holds the new minute alone.
        clock.Now = T0.AddMinutes(60);
        timings.Record("New", TimeSpan.FromMilliseconds(1));
        Assert.Equal(["Mid", "New"], timings.Operations().Select(o => o.Operation));
        Assert.Equal([7, 5, 1], timings.Slowest().Select(s => s.DurationMs));
    }
}
