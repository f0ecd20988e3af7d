namespace Herald.Engine;

/// <summary>
/// A Bloom filter of every item the store holds, so the writer skips the store lookup for an item that is
/// certainly new (most items are new when first seen). "Maybe present" still asks the store. About 10 bits
/// per item (1 % false positives); rebuilt larger from the store when it fills up.
/// </summary>
public sealed class ItemPresenceFilter
{
    private const int Hashes = 7;
    private ulong[] _bits = [];
    private long _capacity;
    private long _count;

    public long Count => _count;
    public bool IsFull => _count >= _capacity;

    /// <summary>Empties the filter, sized for twice <paramref name="expectedItems"/>; its array is reused when already that large.</summary>
    public void Reset(long expectedItems)
    {
        long capacity = Math.Max(1_000_000, expectedItems * 2);
        long words = (capacity * 10 + 63) / 64;
        if (_bits.Length >= words) Array.Clear(_bits);
        else _bits = new ulong[words];
        _capacity = capacity;
        _count = 0;
    }

    public void Add(int teamId, string itemId)
    {
        var (h1, h2) = Hash(teamId, itemId);
        long m = (long)_bits.Length * 64;
        for (int i = 0; i < Hashes; i++)
        {
            long bit = (long)((h1 + (ulong)i * h2) % (ulong)m);
            _bits[bit >> 6] |= 1UL << (int)(bit & 63);
        }
        _count++;
    }

    public bool MayContain(int teamId, string itemId)
    {
        var (h1, h2) = Hash(teamId, itemId);
        long m = (long)_bits.Length * 64;
        for (int i = 0; i < Hashes; i++)
        {
            long bit = (long)((h1 + (ulong)i * h2) % (ulong)m);
            if ((_bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0) return false;
        }
        return true;
    }

    private static (ulong, ulong) Hash(int teamId, string itemId)
    {
        // Per-process randomized string hashing is fine: the filter is rebuilt at every start.
        ulong a = (uint)HashCode.Combine(teamId, itemId);
        ulong b = (uint)HashCode.Combine(itemId, teamId, 0x5bd1e995);
        return (a << 32 | b, (b << 32 | a) | 1);
    }
}
