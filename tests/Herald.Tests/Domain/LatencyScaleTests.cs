using Herald.Engine;

namespace Herald.Tests.Domain;

public sealed class LatencyScaleTests
{
    /// <summary>The largest latency the scale represents within its error bound: the upper edge of the last bucket.</summary>
    private static readonly double Covered = Math.Pow(LatencyScale.Growth, LatencyScale.BucketCount - 1);

    private static void AssertWithin(long v, double tolerance)
    {
        int bucket = LatencyScale.BucketOf(v);
        Assert.InRange(bucket, 1, LatencyScale.BucketCount - 1);
        double representative = LatencyScale.RepresentativeMs(bucket);
        double error = Math.Abs(representative - v) / v;
        Assert.True(error <= tolerance, $"latency {v} ms -> bucket {bucket}, representative {representative}: {error:P3} off");
    }

    private static IEnumerable<long> RandomLatencies(int seed, double max, int count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            // Log-uniform, so that every order of magnitude is exercised, plus uniform draws for the large values.
            yield return i % 2 == 0
                ? Math.Max(1, (long)Math.Exp(random.NextDouble() * Math.Log(max)))
                : 1 + (long)(random.NextDouble() * (max - 1));
        }
    }

    [Fact]
    public void Zero_and_negative_are_bucket_0()
    {
        Assert.Equal(0, LatencyScale.BucketOf(0));
        Assert.Equal(0, LatencyScale.BucketOf(-5));
        Assert.Equal(1, LatencyScale.BucketOf(1));
    }

    [Fact]
    public void Buckets_are_monotonic_and_hold_their_values()
    {
        int previous = 0;
        for (long v = 1; v < 200_000; v++)
        {
            int bucket = LatencyScale.BucketOf(v);
            Assert.True(bucket >= previous, $"bucket of {v} is {bucket} < {previous}");
            previous = bucket;
            // Bucket i >= 1 holds [G^(i-1), G^i).
            Assert.True(Math.Pow(LatencyScale.Growth, bucket - 1) <= v * (1 + 1e-12), $"{v} below bucket {bucket}");
            Assert.True(v < Math.Pow(LatencyScale.Growth, bucket) * (1 + 1e-12), $"{v} above bucket {bucket}");
        }
    }

    [Fact]
    public void The_representative_is_within_1_5_percent_over_the_covered_range()
    {
        foreach (long v in RandomLatencies(42, Covered - 1, 200_000)) AssertWithin(v, 0.015);
        foreach (long v in new long[] { 1, 2, 3, 999, 1000, 1001, 60_000, 3_600_000, 86_400_000, (long)Covered - 1 }) AssertWithin(v, 0.015);
    }

    [Fact]
    public void The_representative_is_within_1_5_percent_up_to_1e10_ms()
    {
        foreach (long v in RandomLatencies(7, 1e10, 200_000)) AssertWithin(v, 0.015);
        AssertWithin(10_000_000_000, 0.015);
        AssertWithin(365L * 86_400_000, 0.015);
    }
}
