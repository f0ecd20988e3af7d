using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Herald.Storage;

namespace Herald.Api.Auth;

/// <summary>
/// API keys: made from 32 random bytes, stored only as their SHA-256 hash, shown once. Validated keys are
/// cached for a short time so a request does not touch the store; usage counts are flushed in the background.
/// Request rates are limited by ASP.NET Core's rate limiter (<see cref="KeyRateLimiting"/>), not here.
/// </summary>
public sealed class ApiKeyService(IDirectoryStore store, TimeProvider time)
{
    public const string KeyPrefix = "hk_";
    public const int DefaultRateLimitRequests = 1000;
    public const long DefaultRateLimitPeriodMs = 15 * 60 * 1000;
    public const int MaxKeyLength = 512;
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private const int MaxCachedKeys = 10_000;

    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Key, DateTimeOffset Until)> _byKey = new();
    private readonly ConcurrentDictionary<int, (ApiKeyRecord? Key, DateTimeOffset Until)> _byId = new();
    private readonly ConcurrentDictionary<int, Usage> _usage = new();

    public sealed record Created(ApiKeyRecord Record, string Key);

    public Created Create(int? teamId, string name, IReadOnlyCollection<string> scopes, int? rateLimitRequests, long? rateLimitPeriodMs, DateTimeOffset? expiresAt,
        string? fixedKey = null, string? description = null, string environment = ApiKeyEnvironments.Development, string? createdBy = null,
        IpAllowList? allowedIps = null)
    {
        string key = fixedKey ?? KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        // Keys that ingest (events or deliveries) are not throttled by default: a busy provider must never be turned away by a quota it did not ask for.
        bool ingests = scopes.Contains(Scopes.EventsWrite) || scopes.Contains(Scopes.DeliveriesWrite) || scopes.Contains(Scopes.Admin);
        int? requests = rateLimitRequests ?? (ingests ? null : DefaultRateLimitRequests);
        long? period = requests is null ? null : rateLimitPeriodMs ?? DefaultRateLimitPeriodMs;
        var record = new ApiKeyRecord(0, "key_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant(), teamId, name,
            key[..Math.Min(8, key.Length)], scopes.ToArray(), requests, period, expiresAt?.ToUnixTimeMilliseconds(), null, null, 0,
            time.GetUtcNow().ToUnixTimeMilliseconds(), description, environment, createdBy, AllowedIps: allowedIps?.Text);
        return new Created(store.CreateKey(record, Hash(key)), key);
    }

    public bool Revoke(string publicId)
    {
        bool revoked = store.RevokeKey(publicId, time.GetUtcNow().ToUnixTimeMilliseconds());
        _byKey.Clear();
        _byId.Clear();
        return revoked;
    }

    /// <summary>
    /// Turns a key on or off (an inactive key authenticates nothing until turned on again), sets its description, and sets
    /// the addresses it may be used from (an empty list: anywhere again).
    /// </summary>
    public ApiKeyRecord? Update(string publicId, bool? isActive, string? description, IpAllowList? allowedIps = null, bool clearAllowedIps = false)
    {
        var updated = store.UpdateKey(publicId, isActive, description, clearAllowedIps ? "" : allowedIps?.Text);
        _byKey.Clear();
        _byId.Clear();
        return updated;
    }

    /// <summary>The key's record when it exists, is active, is not revoked and has not expired.</summary>
    public ApiKeyRecord? Validate(string key)
    {
        if (key.Length > MaxKeyLength) return null;
        var now = time.GetUtcNow();
        if (!_byKey.TryGetValue(key, out var entry) || entry.Until < now)
        {
            entry = (store.FindKeyByHash(Hash(key)), now + CacheFor);
            if (_byKey.Count > MaxCachedKeys) _byKey.Clear();
            _byKey[key] = entry;
        }
        return Usable(entry.Key, now);
    }

    /// <summary>The key with this internal id when it is still usable (a dashboard session names its key by id).</summary>
    public ApiKeyRecord? ValidateById(int id)
    {
        var now = time.GetUtcNow();
        if (!_byId.TryGetValue(id, out var entry) || entry.Until < now)
        {
            entry = (store.FindKeyById(id), now + CacheFor);
            if (_byId.Count > MaxCachedKeys) _byId.Clear();
            _byId[id] = entry;
        }
        return Usable(entry.Key, now);
    }

    private static ApiKeyRecord? Usable(ApiKeyRecord? record, DateTimeOffset now)
    {
        if (record is null || record.RevokedAtMs is not null || !record.IsActive) return null;
        if (record.ExpiresAtMs is { } exp && exp <= now.ToUnixTimeMilliseconds()) return null;
        return record;
    }

    /// <summary>Counts an authenticated request for the key's usage figures (flushed by <see cref="FlushUsage"/>).</summary>
    public void RecordUse(int keyId)
    {
        var usage = _usage.GetOrAdd(keyId, _ => new Usage());
        Interlocked.Increment(ref usage.Count);
        Interlocked.Exchange(ref usage.LastUsedAtMs, time.GetUtcNow().ToUnixTimeMilliseconds());
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
}
