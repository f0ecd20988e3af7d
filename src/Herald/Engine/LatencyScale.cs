namespace Herald.Engine;

/// <summary>
/// Log-scale latency buckets. Bucket 0 holds 0 ms; bucket i &gt;= 1 holds [G^(i-1), G^i) ms with G = 1.03,
/// and is represented by its geometric midpoint, so any percentile read from merged buckets is within
/// sqrt(1.03) - 1 &lt; 1.5 % of the exact value. 830 buckets reach 1.03^829 ms, about 16 months.
/// </summary>
public static class LatencyScale
{
    public const double Growth = 1.03;
    public const int BucketCount = 830;
    private static readonly double LogGrowth = Math.Log(Growth);
    private static readonly double[] Representatives = BuildRepresentatives();

    public static int BucketOf(long latencyMs)
    {
        if (latencyMs <= 0) return 0;
        int i = 1 + (int)Math.Floor(Math.Log(latencyMs) / LogGrowth);
        // Guard the floating-point edge: the bucket's lower bound must not exceed the value.
        if (i > 1 && Math.Pow(Growth, i - 1) > latencyMs) i--;
        else if (Math.Pow(Growth, i) <= latencyMs) i++;
        return Math.Min(i, BucketCount - 1);
    }

    public static double RepresentativeMs(int bucket) => Representatives[bucket];

    private static double[] BuildRepresentatives()
    {
        var r = new double[BucketCount];
        for (int i = 1; i < BucketCount; i++) r[i] = Math.Pow(Growth, i - 0.5);
        return r;
    }
}
