using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Herald.Storage;

namespace Herald.Api.Auth;

/// <summary>
/// API keys: made from 32 random bytes, stored only as their SHA-256 hash, shown once. Validated keys are
/// cached for a short time so a request does not touch the store; usage counts are flushed in the background.
/// </summary>
public sealed class ApiKeyService(IDirectoryStore store, TimeProvider time)
{
    public const string KeyPrefix = "hk_";
    public const int DefaultRateLimitRequests = 1000;
    public const long DefaultRateLimitPeriodMs = 15 * 60 * 1000;
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Key, DateTimeOffset Until)> _cache = new();
    private readonly ConcurrentDictionary<int, Usage> _usage = new();
    private readonly ConcurrentDictionary<int, Window> _windows = new();

    public sealed record Created(ApiKeyRecord Record, string Key);

    public Created Create(int? teamId, string name, IReadOnlyCollection<string> scopes, int? rateLimitRequests, long? rateLimitPeriodMs, DateTimeOffset? expiresAt, string? fixedKey = null)
    {
        string key = fixedKey ?? KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        // Keys that ingest are not throttled by default: a busy provider must never be turned away by a quota it did not ask for.
        bool ingests = scopes.Contains(Scopes.EventsWrite) || scopes.Contains(Scopes.Admin);
        int? requests = rateLimitRequests ?? (ingests ? null : DefaultRateLimitRequests);
        long? period = requests is null ? null : rateLimitPeriodMs ?? DefaultRateLimitPeriodMs;
        var record = new ApiKeyRecord(0, "key_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant(), teamId, name,
            key[..Math.Min(8, key.Length)], scopes.ToArray(), requests, period, expiresAt?.ToUnixTimeMilliseconds(), null, null, 0,
            time.GetUtcNow().ToUnixTimeMilliseconds());
        return new Created(store.CreateKey(record, Hash(key)), key);
    }

    public bool Revoke(string publicId)
    {
        bool revoked = store.RevokeKey(publicId, time.GetUtcNow().ToUnixTimeMilliseconds());
        _cache.Clear();
        return revoked;
    }

    /// <summary>The key's record when it exists, is not revoked and has not expired.</summary>
    public ApiKeyRecord? Validate(string key)
    {
        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(key, out var entry) || entry.Until < now)
        {
            entry = (store.FindKeyByHash(Hash(key)), now + CacheFor);
            if (_cache.Count > 10_000) _cache.Clear();
            _cache[key] = entry;
        }
        var record = entry.Key;
        if (record is null || record.RevokedAtMs is not null) return null;
        if (record.ExpiresAtMs is { } exp && exp <= now.ToUnixTimeMilliseconds()) return null;
        return record;
    }

    /// <summary>Counts a request against the key's limit; the seconds to wait when over it.</summary>
    public int? TryConsume(ApiKeyRecord key)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var usage = _usage.GetOrAdd(key.Id, _ => new Usage());
        Interlocked.Increment(ref usage.Count);
        Interlocked.Exchange(ref usage.LastUsedAtMs, now);
        if (key.RateLimitRequests is not { } limit || key.RateLimitPeriodMs is not { } period) return null;
        var window = _windows.GetOrAdd(key.Id, _ => new Window());
        lock (window)
        {
            if (now >= window.StartMs + period)
            {
                window.StartMs = now;
                window.Count = 0;
            }
            if (window.Count >= limit) return (int)Math.Max(1, Math.Ceiling((window.StartMs + period - now) / 1000.0));
            window.Count++;
            return null;
        }
    }

    /// <summary>Writes accumulated usage (count, last used) to the store.</summary>
    public void FlushUsage()
    {
        var batch = new List<(int, long, long)>();
        foreach (var (id, usage) in _usage)
        {
            long n = Interlocked.Exchange(ref usage.Count, 0);
            if (n > 0) batch.Add((id, n, Interlocked.Read(ref usage.LastUsedAtMs)));
        }
        store.RecordKeyUsage(batch);
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private sealed class Usage
    {
        public long Count;
        public long LastUsedAtMs;
    }

    private sealed class Window
    {
        public long StartMs;
        public int Count;
    }
}
