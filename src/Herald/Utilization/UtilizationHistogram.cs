using System.Buffers.Binary;
using Herald.Engine;

namespace Herald.Utilization;

/// <summary>
/// Request times on the engine's log scale (<see cref="LatencyScale"/>: within 1.5 %), stored sparse: per non-empty bucket
/// its index (2 bytes) and count (4 bytes), little-endian. Histograms of many intervals add up, so a period's percentile
/// is read from all of its requests.
/// </summary>
public static class UtilizationHistogram
{
    public static byte[]? Encode(long[] buckets)
    {
        int used = 0;
        foreach (long n in buckets) if (n > 0) used++;
        if (used == 0) return null;
        var bytes = new byte[used * 6];
        int at = 0;
        for (int i = 0; i < buckets.Length; i++)
        {
            if (buckets[i] <= 0) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)i);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 2), (uint)Math.Min(buckets[i], uint.MaxValue));
            at += 6;
        }
        return bytes;
    }

    public static void AddTo(long[] buckets, byte[]? encoded)
    {
        if (encoded is null) return;
        for (int at = 0; at + 6 <= encoded.Length; at += 6)
        {
            int bucket = BinaryPrimitives.ReadUInt16LittleEndian(encoded.AsSpan(at));
            if (bucket < buckets.Length) buckets[bucket] += BinaryPrimitives.ReadUInt32LittleEndian(encoded.AsSpan(at + 2));
        }
    }

    /// <summary>The <paramref name="percent"/> percentile in milliseconds (the rank's bucket's midpoint); null without requests.</summary>
    public static double? Percentile(long[] buckets, double percent)
    {
        long total = 0;
        foreach (long n in buckets) total += n;
        if (total == 0) return null;
        long rank = Math.Max(1, (long)Math.Ceiling(percent / 100 * total)), seen = 0;
        for (int i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank) return LatencyScale.RepresentativeMs(i);
        }
        return LatencyScale.RepresentativeMs(buckets.Length - 1);
    }
}
