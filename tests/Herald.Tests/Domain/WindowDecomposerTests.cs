using Herald.Analytics;
using Herald.Domain;

namespace Herald.Tests.Domain;

public sealed class WindowDecomposerTests
{
    private static UtcMinute M(int y, int mo, int d, int h = 0, int mi = 0) => UtcMinute.FromDateTimeOffset(new DateTimeOffset(y, mo, d, h, mi, 0, TimeSpan.Zero));

    private static void AssertExactCover(UtcMinute from, UtcMinute to, List<CellRange> ranges)
    {
        string Describe() => $"[{from}, {to}) -> " + string.Join(" ", ranges.Select(r => $"{r.Granularity}[{r.Start},{r.End})"));
        Assert.True(ranges.Count <= 7, $"{ranges.Count} ranges: {Describe()}");
        if (from == to)
        {
            Assert.Empty(ranges);
            return;
        }
        Assert.NotEmpty(ranges);
        Assert.True(ranges[0].Start == from, $"does not start at from: {Describe()}");
        Assert.True(ranges[^1].End == to, $"does not end at to: {Describe()}");
        for (int i = 0; i < ranges.Count; i++)
        {
            var r = ranges[i];
            Assert.True(r.Start < r.End, $"empty or reversed range {i}: {Describe()}");
            Assert.True(r.Granularity is Granularity.Minute or Granularity.Hour or Granularity.Day or Granularity.Month, $"granularity {r.Granularity} is not stored: {Describe()}");
            Assert.True(r.Start.IsAligned(r.Granularity) && r.End.IsAligned(r.Granularity), $"range {i} not aligned: {Describe()}");
            if (i > 0) Assert.True(ranges[i - 1].End == r.Start, $"gap or overlap before range {i}: {Describe()}");
            // The range holds a whole number of its buckets.
            var b = r.Start;
            while (b < r.End) b = b.Next(r.Granularity);
            Assert.True(b == r.End, $"range {i} is not whole buckets: {Describe()}");
        }
    }

    [Fact]
    public void Random_windows_are_covered_exactly_by_ordered_aligned_ranges()
    {
        var random = new Random(20240601);
        var origin = M(2023, 1, 1);
        const long threeYears = 3 * 366 * 1440;
        var alignments = new[] { Granularity.Minute, Granularity.Hour, Granularity.Day, Granularity.Week, Granularity.Month };
        for (int i = 0; i < 2000; i++)
        {
            var from = new UtcMinute(origin.Value + random.NextInt64(0, threeYears));
            // Lengths from a minute to three years, log-distributed so that short windows are common too.
            long length = Math.Max(1, (long)Math.Exp(random.NextDouble() * Math.Log(threeYears)));
            var to = new UtcMinute(Math.Min(from.Value + length, origin.Value + threeYears + 1));
            // Random alignment of either end: sometimes whole hours, days, weeks or months.
            if (random.Next(3) == 0) from = from.Floor(alignments[random.Next(alignments.Length)]);
            if (random.Next(3) == 0)
            {
                var aligned = to.Floor(alignments[random.Next(alignments.Length)]);
                if (aligned > from) to = aligned;
            }
            if (to <= from) to = new UtcMinute(from.Value + 1);

            AssertExactCover(from, to, WindowDecomposer.Decompose(from, to));
        }
    }

    [Fact]
    public void An_empty_window_has_no_ranges()
    {
        var m = M(2024, 5, 5, 5, 5);
        Assert.Empty(WindowDecomposer.Decompose(m, m));
    }

    [Fact]
    public void Whole_months_are_one_month_range()
    {
        var ranges = WindowDecomposer.Decompose(M(2024, 1, 1), M(2024, 4, 1));
        Assert.Equal([new CellRange(Granularity.Month, M(2024, 1, 1), M(2024, 4, 1))], ranges);
    }

    [Fact]
    public void A_ragged_window_uses_the_coarsest_cells_in_between()
    {
        var from = M(2024, 1, 30, 22, 15);
        var to = M(2024, 4, 2, 3, 7);
        var ranges = WindowDecomposer.Decompose(from, to);
        Assert.Equal(
        [
            new CellRange(Granularity.Minute, from, M(2024, 1, 30, 23)),
            new CellRange(Granularity.Hour, M(2024, 1, 30, 23), M(2024, 1, 31)),
            new CellRange(Granularity.Day, M(2024, 1, 31), M(2024, 2, 1)),
            new CellRange(Granularity.Month, M(2024, 2, 1), M(2024, 4, 1)),
            new CellRange(Granularity.Day, M(2024, 4, 1), M(2024, 4, 2)),
            new CellRange(Granularity.Hour, M(2024, 4, 2), M(2024, 4, 2, 3)),
            new CellRange(Granularity.Minute, M(2024, 4, 2, 3), to),
        ], ranges);
    }

    [Fact]
    public void A_window_inside_one_hour_is_minutes()
    {
        var ranges = WindowDecomposer.Decompose(M(2024, 6, 1, 10, 5), M(2024, 6, 1, 10, 50));
        Assert.Equal([new CellRange(Granularity.Minute, M(2024, 6, 1, 10, 5), M(2024, 6, 1, 10, 50))], ranges);
    }

    /// <summary>
    /// Signed pieces count every minute of the window once and nothing else (each minute covered by added pieces, less
    /// subtracted ones, exactly once inside the window and zero times outside), and read at most 30 minutes per hour.
    /// </summary>
    [Fact]
    public void Signed_pieces_cover_each_minute_once_and_read_at_most_half_an_hour_of_minutes_per_edge()
    {
        var random = new Random(7);
        var origin = M(2026, 3, 1);
        for (int trial = 0; trial < 1_000; trial++)
        {
            var from = new UtcMinute(origin.Value + random.Next(0, 60 * 24 * 40));
            var to = new UtcMinute(from.Value + random.Next(0, trial % 2 == 0 ? 180 : 60 * 24 * 3));
            var pieces = WindowDecomposer.DecomposeSigned(from, to, null);
            var cover = new Dictionary<long, int>();
            foreach (var (r, subtract) in pieces)
            {
                if (r.Granularity == Granularity.Minute) Assert.True(r.End.Value - r.Start.Value <= 30 || !subtract && r.End.Value - r.Start.Value <= 60);
                for (var m = r.Start; m < r.End; m = new UtcMinute(m.Value + 1))
                    cover[m.Value] = cover.GetValueOrDefault(m.Value) + (subtract ? -1 : 1);
            }
            foreach (var (minute, n) in cover)
                Assert.True(n == (minute >= from.Value && minute < to.Value ? 1 : 0), $"[{from}, {to}): minute {minute} counted {n} times");
            for (long m = from.Value; m < to.Value; m += 37) Assert.Equal(1, cover.GetValueOrDefault(m));
            long minutesRead = pieces.Where(p => p.Range.Granularity == Granularity.Minute).Sum(p => p.Range.End.Value - p.Range.Start.Value);
            Assert.True(minutesRead <= 60, $"[{from}, {to}): {minutesRead} minutes read");
        }
    }

    [Fact]
    public void A_window_ending_late_in_an_hour_reads_the_hour_less_the_minutes_after_it()
    {
        var pieces = WindowDecomposer.DecomposeSigned(M(2026, 3, 1, 9, 0), M(2026, 3, 1, 10, 50), null);
        Assert.Equal([
            new SignedRange(new CellRange(Granularity.Hour, M(2026, 3, 1, 9), M(2026, 3, 1, 10)), false),
            new SignedRange(new CellRange(Granularity.Hour, M(2026, 3, 1, 10), M(2026, 3, 1, 11)), false),
            new SignedRange(new CellRange(Granularity.Minute, M(2026, 3, 1, 10, 50), M(2026, 3, 1, 11)), true)], pieces);
    }
}
