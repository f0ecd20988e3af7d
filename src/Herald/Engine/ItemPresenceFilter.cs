using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Herald.Engine;

/// <summary>
/// A Bloom filter of every item the store holds, so the writer skips the store lookup for an item that is
/// certainly new (most items are new when first seen). "Maybe present" still asks the store.
/// Its size is a fixed budget, allocated once and never rebuilt while the server runs: the writer never stops to rescan
/// the items table, and memory takes no step as the store grows (the managed heap has a hard limit). At its design load of
/// 10 bits per item (about 27 M items in 32 MB) about 1 % of new items are looked up for nothing; beyond it that share
/// grows (<see cref="EstimatedFalsePositiveRate"/>), but an answer is never wrong: a full filter only costs lookups.
/// Blocked: an item's bits all lie in one 64-byte block, so a check or an insert touches one cache line of a filter far
/// larger than the CPU's caches.
/// </summary>
public sealed class ItemPresenceFilter
{
    private const int Hashes = 7, BlockWords = 8, BlockBits = BlockWords * 64, BitIndexBits = 9;
    private readonly ulong[] _bits;
    private readonly ulong _blocks;
    // Random per filter: ids crafted to pile into one block would only cost lookups, but need not be cheap to find.
    private readonly long _seed = Random.Shared.NextInt64();
    private long _count;

    public ItemPresenceFilter(long bytes)
    {
        _blocks = (ulong)Math.Max(1, bytes / (BlockWords * sizeof(ulong)));
        _bits = new ulong[(long)_blocks * BlockWords];
    }

    public long Count => Interlocked.Read(ref _count);
    public long Bytes => (long)_bits.Length * sizeof(ulong);

    /// <summary>
    /// The chance that an item the store does not hold is reported as maybe present, as for a plain Bloom filter of the
    /// same size: (1 − e^(−kn/m))^k. Blocking adds a little at the design load (the blocks' loads vary).
    /// </summary>
    public double EstimatedFalsePositiveRate => Math.Pow(1 - Math.Exp(-(double)Hashes * Count / ((double)_bits.Length * 64)), Hashes);

    public void Clear()
    {
        Array.Clear(_bits);
        Interlocked.Exchange(ref _count, 0);
    }

    public void Add(int teamId, string itemId)
    {
        var (block, positions) = Locate(teamId, itemId);
        for (int i = 0; i < Hashes; i++, positions >>= BitIndexBits)
        {
            int bit = (int)(positions % BlockBits);
            _bits[block + (bit >> 6)] |= 1UL << (bit & 63);
        }
        Interlocked.Increment(ref _count);
    }

    public bool MayContain(int teamId, string itemId)
    {
        var (block, positions) = Locate(teamId, itemId);
        for (int i = 0; i < Hashes; i++, positions >>= BitIndexBits)
        {
            int bit = (int)(positions % BlockBits);
            if ((_bits[block + (bit >> 6)] & (1UL << (bit & 63))) == 0) return false;
        }
        return true;
    }

    /// <summary>The item's block (its first word) and its bits in it, nine bits of the hash each.</summary>
    private (long Block, ulong Positions) Locate(int teamId, string itemId)
    {
        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(itemId.AsSpan()), _seed ^ (teamId * unchecked((long)0x9E3779B97F4A7C15)));
        ulong high = (ulong)(hash >> 64);
        return ((long)(high % _blocks) * BlockWords, (ulong)hash);
    }
}
