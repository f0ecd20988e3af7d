using System.Collections.Concurrent;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Analytics.Caching;

/// <summary>Seed 002's cache tiers: how long an answer of each kind may be kept at most.</summary>
public enum CacheTier
{
    /// <summary>Real-time metrics: 30 seconds.</summary>
    Realtime,
    /// <summary>Dashboard figures, trends and forecasts: 5 minutes.</summary>
    Dashboard,
    /// <summary>Stored snapshots: 1 hour.</summary>
    Snapshot,
}

public enum CacheOutcome
{
    Hit,
    Miss,
}

public sealed class CacheOptions
{
    /// <summary>Off: every answer is computed (the benchmark's way of timing the computation itself).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>The window and teams an answer was computed from: what must not have changed for it to be served again.</summary>
public readonly record struct CacheScope(IReadOnlyList<int> Teams, DataSource Source, UtcMinute From, UtcMinute To)
{
    public static CacheScope Snapshots(IReadOnlyList<int> teams) => new(teams, DataSource.Snapshots, default, default);
}

/// <summary>
/// Answers kept per tier, each until its tier's time is up or new data lands in its window, whichever comes first
/// (<see cref="DataChanges"/>): an answer is never served after the data it was computed from changed, so a cached figure
/// is exactly the figure a fresh computation would give, except for the parts of an answer that move with the clock alone
/// (uptime, a "computed at" timestamp), which are as old as the answer. What the cache saves is the repeated computation of
/// windows nothing is written to: a forecast (its history ends at the current hour), yesterday's report, the dashboard of a
/// quiet team, snapshots between two generation runs. Hits and misses are counted per tier for <c>/metrics</c>.
/// </summary>
public sealed class AnswerCache(DataChanges changes, TimeProvider time, CacheOptions? options = null)
{
    private readonly bool _enabled = options?.Enabled ?? true;

    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly long[] _hits = new long[3];
    private readonly long[] _misses = new long[3];

    public static TimeSpan TimeToLive(CacheTier tier) => tier switch
    {
        CacheTier.Realtime => TimeSpan.FromSeconds(30),
        CacheTier.Dashboard => TimeSpan.FromMinutes(5),
        CacheTier.Snapshot => TimeSpan.FromHours(1),
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    public long Hits(CacheTier tier) => Interlocked.Read(ref _hits[(int)tier]);
    public long Misses(CacheTier tier) => Interlocked.Read(ref _misses[(int)tier]);
    public int Count => _entries.Count;

    /// <summary>
    /// The answer kept under <paramref name="key"/> if it is still exact and young enough, else a fresh one from
    /// <paramref name="compute"/>. The key must name everything the answer depends on besides the scope's data: route,
    /// teams, parameters, and the window the clock gave.
    /// </summary>
    public T GetOrCompute<T>(CacheTier tier, string key, CacheScope scope, Func<T> compute, out CacheOutcome outcome) where T : class
    {
        var now = time.GetUtcNow();
        string fullKey = $"{(int)tier}\u001f{key}";
        if (_enabled && _entries.TryGetValue(fullKey, out var entry) && entry.Value is T kept)
        {
            if (now - entry.At < TimeToLive(tier) && !changes.ChangedSince(entry.Version, scope.Teams, scope.Source, scope.From, scope.To))
            {
                Interlocked.Increment(ref _hits[(int)tier]);
                outcome = CacheOutcome.Hit;
                return kept;
            }
            _entries.TryRemove(new KeyValuePair<string, Entry>(fullKey, entry));
        }

        Interlocked.Increment(ref _misses[(int)tier]);
        outcome = CacheOutcome.Miss;
        long version = changes.Version; // before computing: whatever lands meanwhile makes this answer stale
        var value = compute();
        if (!_enabled) return value;
        if (_entries.Count >= MaxEntries) Sweep(now);
        _entries[fullKey] = new Entry(value, version, now);
        return value;
    }

    /// <summary>Drops what has outlived its tier; when that is not enough, everything (the cache only saves work).</summary>
    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
            if (now - entry.At >= TimeToLive((CacheTier)(key[0] - '0'))) _entries.TryRemove(key, out _);
        if (_entries.Count >= MaxEntries) _entries.Clear();
    }

    private sealed record Entry(object Value, long Version, DateTimeOffset At);
}
