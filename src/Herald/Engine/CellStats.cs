using System.Buffers.Binary;
using Herald.Domain;

namespace Herald.Engine;

/// <summary>
/// What one rollup cell (team, granularity, bucket, dimension set) holds: items of the cohort by current
/// status, their cost, their delivery latencies as a sparse log histogram, and the events that occurred
/// in the bucket. The same type carries signed deltas during a write batch and merged totals in queries.
/// Persisted as a compact blob (<see cref="Encode"/>), merged by the single writer.
/// </summary>
public sealed class CellStats
{
    public readonly long[] ItemsByStatus = new long[Statuses.CodeLimit];
    public long Events;
    public double Cost;
    public long LatencyCount;
    public double LatencySumMs;

    // Sparse latency histogram: sorted bucket indexes and their counts, in parallel arrays.
    private int[] _latencyBuckets = [];
    private long[] _latencyCounts = [];
    private int _latencyLength;

    public int LatencyBucketCount => _latencyLength;
    public int LatencyBucketAt(int i) => _latencyBuckets[i];
    public long LatencyCountAt(int i) => _latencyCounts[i];

    public bool IsEmpty
    {
        get
        {
            // Cost is a float sum: an item moving out of a cell may leave a residue of rounding.
            if (Events != 0 || LatencyCount != 0 || _latencyLength != 0 || Math.Abs(Cost) > 1e-9 || Math.Abs(LatencySumMs) > 1e-6) return false;
            foreach (var c in ItemsByStatus) if (c != 0) return false;
            return true;
        }
    }

    public void Reset()
    {
        Array.Clear(ItemsByStatus);
        Events = 0;
        Cost = 0;
        LatencyCount = 0;
        LatencySumMs = 0;
        _latencyLength = 0;
    }

    public void AddLatency(int bucket, long count, double sumMs)
    {
        LatencyCount += count;
        LatencySumMs += sumMs;
        int i = Array.BinarySearch(_latencyBuckets, 0, _latencyLength, bucket);
        if (i >= 0)
        {
            _latencyCounts[i] += count;
            if (_latencyCounts[i] == 0) RemoveLatencyAt(i);
            return;
        }
        if (count == 0) return;
        InsertLatencyAt(~i, bucket, count);
    }

    private void InsertLatencyAt(int i, int bucket, long count)
    {
        ParallelArrays.Insert(ref _latencyBuckets, ref _latencyCounts, _latencyLength, i, bucket, count);
        _latencyLength++;
    }

    private void RemoveLatencyAt(int i)
    {
        Array.Copy(_latencyBuckets, i + 1, _latencyBuckets, i, _latencyLength - i - 1);
        Array.Copy(_latencyCounts, i + 1, _latencyCounts, i, _latencyLength - i - 1);
        _latencyLength--;
    }

    /// <summary>Adds <paramref name="other"/>; without <paramref name="latency"/>, only its items, events and cost.</summary>
    public void Add(CellStats other, bool latency = true)
    {
        for (int s = 0; s < ItemsByStatus.Length; s++) ItemsByStatus[s] += other.ItemsByStatus[s];
        Events += other.Events;
        Cost += other.Cost;
        if (!latency) return;
        LatencyCount += other.LatencyCount;
        LatencySumMs += other.LatencySumMs;
        for (int i = 0; i < other._latencyLength; i++)
            AddLatencyBucketOnly(other._latencyBuckets[i], other._latencyCounts[i]);
    }

    /// <summary>Takes <paramref name="other"/> away, field by field (every field is a sum).</summary>
    public void Subtract(CellStats other)
    {
        for (int s = 0; s < ItemsByStatus.Length; s++) ItemsByStatus[s] -= other.ItemsByStatus[s];
        Events -= other.Events;
        Cost -= other.Cost;
        LatencyCount -= other.LatencyCount;
        LatencySumMs -= other.LatencySumMs;
        for (int i = 0; i < other._latencyLength; i++)
            AddLatencyBucketOnly(other._latencyBuckets[i], -other._latencyCounts[i]);
    }

    private void AddLatencyBucketOnly(int bucket, long count)
    {
        long before = LatencyCount;
        double sum = LatencySumMs;
        AddLatency(bucket, count, 0);
        LatencyCount = before;
        LatencySumMs = sum;
    }

    /// <summary>Adds an encoded cell without materializing it: the query hot path.</summary>
    /// <summary>
    /// Adds an encoded cell; without <paramref name="latency"/>, only its items, events and cost (the latency histogram,
    /// most of a cell, is not decoded: for questions that do not ask for latency).
    /// </summary>
    public void AddEncoded(ReadOnlySpan<byte> blob, bool latency = true)
    {
        int pos = 0;
        int statusPairs = (int)ReadVarint(blob, ref pos);
        for (int i = 0; i < statusPairs; i++)
        {
            int code = (int)ReadVarint(blob, ref pos);
            long count = ReadSigned(blob, ref pos);
            if (code < ItemsByStatus.Length) ItemsByStatus[code] += count;
        }
        Events += ReadSigned(blob, ref pos);
        Cost += BinaryPrimitives.ReadDoubleLittleEndian(blob.Slice(pos, 8));
        pos += 8;
        if (!latency) return;
        LatencySumMs += BinaryPrimitives.ReadDoubleLittleEndian(blob.Slice(pos, 8));
        pos += 8;
        int latencyPairs = (int)ReadVarint(blob, ref pos);
        int bucket = 0;
        if (_latencyLength == 0)
        {
            // Into an empty cell (a series point's first cell): the blob's buckets, in order, in arrays of their size.
            if (_latencyBuckets.Length < latencyPairs)
            {
                _latencyBuckets = new int[latencyPairs];
                _latencyCounts = new long[latencyPairs];
            }
            for (int i = 0; i < latencyPairs; i++)
            {
                bucket += (int)ReadVarint(blob, ref pos);
                long count = ReadSigned(blob, ref pos);
                LatencyCount += count;
                if (count == 0) continue;
                _latencyBuckets[_latencyLength] = bucket;
                _latencyCounts[_latencyLength++] = count;
            }
            return;
        }
        // The blob's buckets ascend, like this cell's: one merge walk, not a binary search per bucket.
        int cursor = 0;
        for (int i = 0; i < latencyPairs; i++)
        {
            bucket += (int)ReadVarint(blob, ref pos);
            long count = ReadSigned(blob, ref pos);
            LatencyCount += count;
            while (cursor < _latencyLength && _latencyBuckets[cursor] < bucket) cursor++;
            if (cursor < _latencyLength && _latencyBuckets[cursor] == bucket)
            {
                _latencyCounts[cursor] += count;
                if (_latencyCounts[cursor] == 0) RemoveLatencyAt(cursor);
                else cursor++;
            }
            else if (count != 0)
            {
                InsertLatencyAt(cursor, bucket, count);
                cursor++;
            }
        }
    }

    /// <summary>The event count of an encoded cell, read without decoding the rest (rate questions read many cells).</summary>
    public static long EventsOf(ReadOnlySpan<byte> blob)
    {
        int pos = 0;
        int statusPairs = (int)ReadVarint(blob, ref pos);
        for (int i = 0; i < statusPairs; i++)
        {
            ReadVarint(blob, ref pos);
            ReadSigned(blob, ref pos);
        }
        return ReadSigned(blob, ref pos);
    }

    /// <summary>The sum of two encoded cells, encoded: how the store folds a batch's delta into a stored cell.</summary>
    public static byte[] Merge(byte[] stored, byte[] delta)
    {
        var cell = Decode(stored);
        cell.AddEncoded(delta);
        return cell.Encode();
    }

    public static CellStats Decode(ReadOnlySpan<byte> blob)
    {
        var cell = new CellStats();
        cell.AddEncoded(blob);
        return cell;
    }

    public byte[] Encode()
    {
        Span<byte> buffer = stackalloc byte[64 + Statuses.CodeLimit * 11 + _latencyLength * 15];
        int pos = 0;
        int pairs = 0;
        foreach (var c in ItemsByStatus) if (c != 0) pairs++;
        WriteVarint(buffer, ref pos, (ulong)pairs);
        for (int s = 0; s < ItemsByStatus.Length; s++)
        {
            if (ItemsByStatus[s] == 0) continue;
            WriteVarint(buffer, ref pos, (ulong)s);
            WriteSigned(buffer, ref pos, ItemsByStatus[s]);
        }
        WriteSigned(buffer, ref pos, Events);
        BinaryPrimitives.WriteDoubleLittleEndian(buffer.Slice(pos, 8), Cost);
        pos += 8;
        BinaryPrimitives.WriteDoubleLittleEndian(buffer.Slice(pos, 8), LatencySumMs);
        pos += 8;
        WriteVarint(buffer, ref pos, (ulong)_latencyLength);
        int previous = 0;
        for (int i = 0; i < _latencyLength; i++)
        {
            WriteVarint(buffer, ref pos, (ulong)(_latencyBuckets[i] - previous));
            previous = _latencyBuckets[i];
            WriteSigned(buffer, ref pos, _latencyCounts[i]);
        }
        return buffer[..pos].ToArray();
    }

    private static void WriteVarint(Span<byte> buffer, ref int pos, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[pos++] = (byte)value;
    }

    private static void WriteSigned(Span<byte> buffer, ref int pos, long value) =>
        WriteVarint(buffer, ref pos, (ulong)((value << 1) ^ (value >> 63)));

    private static ulong ReadVarint(ReadOnlySpan<byte> buffer, ref int pos)
    {
        ulong result = 0;
        int shift = 0;
        while (true)
        {
            byte b = buffer[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
            shift += 7;
        }
    }

    private static long ReadSigned(ReadOnlySpan<byte> buffer, ref int pos)
    {
        ulong raw = ReadVarint(buffer, ref pos);
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }
}
