using Herald.Storage;

namespace Herald.Monitoring;

/// <summary>
/// The store's file layout, read at most every <see cref="MaxAge"/>: reading it walks every b-tree's interior pages, and
/// sizes move slowly.
/// </summary>
public sealed class CachedStoreLayout(IStoreLayoutReader store, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private readonly Lock _lock = new();
    private (DateTimeOffset At, StoreLayout Layout)? _kept;

    /// <summary>The layout and when it was read.</summary>
    public (DateTimeOffset At, StoreLayout Layout) Current()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_kept is { } kept && now - kept.At < MaxAge) return kept;
            var fresh = (now, store.ReadLayout());
            _kept = fresh;
            return fresh;
        }
    }
}
