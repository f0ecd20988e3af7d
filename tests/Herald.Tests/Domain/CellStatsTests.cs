using Herald.Domain;
using Herald.Engine;

namespace Herald.Tests.Domain;

public sealed class CellStatsTests
{
    private static CellStats RandomCell(Random random)
    {
        var cell = new CellStats();
        for (int s = 0; s < Statuses.CodeLimit; s++)
            if (random.Next(3) > 0) cell.ItemsByStatus[s] = random.Next(4) == 0 ? -random.NextInt64(1, 1_000_000_000_000) : random.NextInt64(0, 1_000_000);
        cell.Events = random.NextInt64(-1_000_000, 1_000_000_000);
        cell.Cost = (random.NextDouble() - 0.2) * 1e4;
        int latencies = random.Next(0, 40);
        for (int i = 0; i < latencies; i++)
        {
            int bucket = random.Next(0, LatencyScale.BucketCount);
            long count = random.Next(4) == 0 ? -random.NextInt64(1, 1000) : random.NextInt64(1, 100_000);
            cell.AddLatency(bucket, count, count * LatencyScale.RepresentativeMs(bucket));
        }
        return cell;
    }

    private static void AssertSame(CellStats expected, CellStats actual)
    {
        Assert.Equal(expected.ItemsByStatus, actual.ItemsByStatus);
        Assert.Equal(expected.Events, actual.Events);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Cost), BitConverter.DoubleToInt64Bits(actual.Cost));
        Assert.Equal(expected.LatencyCount, actual.LatencyCount);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.LatencySumMs), BitConverter.DoubleToInt64Bits(actual.LatencySumMs));
        Assert.Equal(Buckets(expected), Buckets(actual));
        Assert.Equal(expected.IsEmpty, actual.IsEmpty);
    }

    private static (int, long)[] Buckets(CellStats cell) =>
        Enumerable.Range(0, cell.LatencyBucketCount).Select(i => (cell.LatencyBucketAt(i), cell.LatencyCountAt(i))).ToArray();

    [Fact]
    public void Encode_then_decode_preserves_every_value()
    {
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            var cell = RandomCell(random);
            var decoded = CellStats.Decode(cell.Encode());
            AssertSame(cell, decoded);
            Assert.Equal(cell.Encode(), decoded.Encode());
        }
    }

    [Fact]
    public void Extreme_values_round_trip()
    {
        var cell = new CellStats();
        cell.ItemsByStatus[1] = long.MaxValue;
        cell.ItemsByStatus[2] = long.MinValue;
        cell.ItemsByStatus[Statuses.CodeLimit - 1] = -1;
        cell.Events = long.MinValue;
        cell.Cost = -0.000001;
        cell.AddLatency(LatencyScale.BucketCount - 1, long.MaxValue / 2, 1e300);
        cell.AddLatency(0, -7, 0);
        AssertSame(cell, CellStats.Decode(cell.Encode()));

        var empty = new CellStats();
        Assert.True(empty.IsEmpty);
        AssertSame(empty, CellStats.Decode(empty.Encode()));
    }

    [Fact]
    public void Latency_buckets_that_cancel_out_disappear()
    {
        var cell = new CellStats();
        cell.AddLatency(100, 3, 300);
        cell.AddLatency(50, 1, 20);
        cell.AddLatency(100, -3, -300);
        Assert.Equal([(50, 1L)], Buckets(cell));
        Assert.Equal(1, cell.LatencyCount);
        AssertSame(cell, CellStats.Decode(cell.Encode()));

        var negative = new CellStats();
        negative.AddLatency(100, -3, -300);
        var positive = new CellStats();
        positive.AddLatency(100, 3, 300);
        positive.AddEncoded(negative.Encode());
        Assert.Equal(0, positive.LatencyBucketCount);
        Assert.Equal(0, positive.LatencyCount);
        Assert.True(positive.IsEmpty);
    }

    [Fact]
    public void AddEncoded_equals_Add()
    {
        var random = new Random(6);
        for (int i = 0; i < 2000; i++)
        {
            var a = RandomCell(random);
            var b = RandomCell(random);
            var viaAdd = CellStats.Decode(a.Encode());
            viaAdd.Add(b);
            var viaEncoded = CellStats.Decode(a.Encode());
            viaEncoded.AddEncoded(b.Encode());
            AssertSame(viaAdd, viaEncoded);

            // Adding the negated delta (as the writer does when an item leaves a cell) gets back to the start.
            var minusB = new CellStats();
            for (int s = 0; s < Statuses.CodeLimit; s++) minusB.ItemsByStatus[s] = -b.ItemsByStatus[s];
            minusB.Events = -b.Events;
            foreach (var (bucket, count) in Buckets(b)) minusB.AddLatency(bucket, -count, 0);
            viaEncoded.AddEncoded(minusB.Encode());
            Assert.Equal(a.ItemsByStatus, viaEncoded.ItemsByStatus);
            Assert.Equal(a.Events, viaEncoded.Events);
            Assert.Equal(a.LatencyCount, viaEncoded.LatencyCount);
            Assert.Equal(Buckets(a), Buckets(viaEncoded));
        }
    }
}
