namespace Herald.Engine;

/// <summary>
/// A bounded cache for the single writer: entries remember the batch (generation) that last used them, and when the
/// cache outgrows its trim mark the least recently used entries are dropped in one pass, down to the capacity. Never
/// dropped: a pinned entry (an item with unflushed changes) or one the current batch used (the batch holds it).
/// The trim mark is a quarter above what a trim left behind, so a trim that frees little (most entries pinned) is
/// paid for by the quarter more inserts before the next one: the cache's work stays amortized O(1) per insert however
/// large it grows. A trim finds its cut-off generation by selection, not by sorting.
/// Not thread-safe: only the writer touches it.
/// </summary>
public sealed class GenerationalCache<TKey, TValue>(int capacity, Func<TValue, bool>? pinned = null) where TKey : notnull
{
    private readonly Dictionary<TKey, Entry> _entries = new();
    private long _generation;
    private int _trimMark = MarkAbove(capacity);
    // The generations of the entries a trim may drop, reused from trim to trim.
    private long[] _droppable = [];

    public int Count => _entries.Count;

    /// <summary>Entries looked at by every trim so far: at most a small constant times the inserts.</summary>
    public long TrimVisits { get; private set; }

    public void NextGeneration() => _generation++;

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            entry.Generation = _generation;
            value = entry.Value;
            return true;
        }
        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            entry.Value = value;
            entry.Generation = _generation;
            return;
        }
        _entries[key] = new Entry { Value = value, Generation = _generation };
        if (_entries.Count > _trimMark) Trim();
    }

    public void Remove(TKey key) => _entries.Remove(key);

    public void Clear()
    {
        _entries.Clear();
        _trimMark = MarkAbove(capacity);
    }

    private static int MarkAbove(int count) => count + Math.Max(count / 4, 1);

    private bool Droppable(Entry e) => e.Generation != _generation && (pinned is null || !pinned(e.Value));

    private void Trim()
    {
        int excess = _entries.Count - capacity;
        if (_droppable.Length < _entries.Count) _droppable = new long[_entries.Count + _entries.Count / 2];
        int n = 0;
        foreach (var e in _entries.Values)
            if (Droppable(e)) _droppable[n++] = e.Generation;
        TrimVisits += _entries.Count;
        if (n > 0)
        {
            // Drop the `excess` oldest droppable entries: all older than the cut-off, then as many at it as still needed.
            long cutoff = n <= excess ? long.MaxValue : SmallestAt(_droppable.AsSpan(0, n), excess - 1);
            int atCutoff = excess - CountBelow(_droppable.AsSpan(0, n), cutoff);
            TrimVisits += _entries.Count;
            foreach (var (key, e) in _entries)
            {
                if (!Droppable(e) || e.Generation > cutoff) continue;
                if (e.Generation == cutoff && atCutoff-- <= 0) continue;
                _entries.Remove(key);
            }
        }
        _trimMark = MarkAbove(Math.Max(capacity, _entries.Count));
    }

    private static int CountBelow(ReadOnlySpan<long> values, long bound)
    {
        int count = 0;
        foreach (long v in values)
            if (v < bound) count++;
        return count;
    }

    /// <summary>The value that would stand at index <paramref name="k"/> if <paramref name="values"/> were sorted (expected linear time; reorders them).</summary>
    public static long SmallestAt(Span<long> values, int k)
    {
        int lo = 0, hi = values.Length - 1;
        while (lo < hi)
        {
            long pivot = values[lo + Random.Shared.Next(hi - lo + 1)];
            // Three-way partition: many entries share a generation.
            int lt = lo, i = lo, gt = hi;
            while (i <= gt)
            {
                if (values[i] < pivot) (values[lt], values[i]) = (values[i++], values[lt++]);
                else if (values[i] > pivot) (values[i], values[gt]) = (values[gt--], values[i]);
                else i++;
            }
            if (k < lt) hi = lt - 1;
            else if (k > gt) lo = gt + 1;
            else return pivot;
        }
        return values[k];
    }

    private sealed class Entry
    {
        public required TValue Value;
        public long Generation;
    }
}
