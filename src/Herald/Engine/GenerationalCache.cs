namespace Herald.Engine;

/// <summary>
/// A bounded cache for the single writer: entries remember the batch that last used them, and when the
/// cache outgrows its capacity by a quarter, the least recently used entries are dropped in one pass
/// (never a pinned one: an item with unflushed changes).
/// Not thread-safe: only the writer touches it.
/// </summary>
public sealed class GenerationalCache<TKey, TValue>(int capacity, Func<TValue, bool>? pinned = null) where TKey : notnull
{
    private readonly Dictionary<TKey, Entry> _entries = new();
    private long _generation;

    public int Count => _entries.Count;

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
        if (_entries.Count > capacity + capacity / 4) Trim();
    }

    public void Remove(TKey key) => _entries.Remove(key);

    public void Clear() => _entries.Clear();

    private void Trim()
    {
        var generations = new long[_entries.Count];
        int i = 0;
        foreach (var e in _entries.Values) generations[i++] = e.Generation;
        Array.Sort(generations);
        long cutoff = generations[_entries.Count - capacity];
        foreach (var (key, e) in _entries)
        {
            if (pinned is not null && pinned(e.Value)) continue;
            if (e.Generation < cutoff || (e.Generation == cutoff && _entries.Count > capacity && e.Generation != _generation))
                _entries.Remove(key);
        }
    }

    private sealed class Entry
    {
        public required TValue Value;
        public long Generation;
    }
}
