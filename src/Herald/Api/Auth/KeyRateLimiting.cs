using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Herald.Api.Auth;

/// <summary>
/// Per-key request limits on ASP.NET Core's rate limiter: a fixed window of the key's requests per period (keys that
/// ingest have none by default, read keys 1,000 per 15 minutes). Partitions are keyed by key id and limit, so a key
/// whose limit changes gets a fresh window, and the limiter drops windows that sit idle, so nothing grows without bound.
/// </summary>
public static class KeyRateLimiting
{
    public const string LimitClaim = "herald:rate_limit";

    public readonly record struct KeyLimit(int KeyId, int Requests, long PeriodMs);

    public static Claim? ClaimOf(Storage.ApiKeyRecord key) =>
        key.RateLimitRequests is { } n && key.RateLimitPeriodMs is { } p
            ? new Claim(LimitClaim, string.Create(CultureInfo.InvariantCulture, $"{key.Id}/{n}/{p}"))
            : null;

    /// <summary>The per-key windows, shared by the HTTP rate limiter and the Socket.IO admission (one budget per key).</summary>
    public sealed class KeyWindows : IDisposable
    {
        public PartitionedRateLimiter<KeyLimit> Limiter { get; } = PartitionedRateLimiter.Create<KeyLimit, KeyLimit>(limit =>
            limit.Requests <= 0
                ? RateLimitPartition.GetNoLimiter(limit)
                : RateLimitPartition.GetFixedWindowLimiter(limit, l => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = l.Requests,
                    Window = TimeSpan.FromMilliseconds(l.PeriodMs),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));

        /// <summary>Counts a request of this key; the seconds to wait when the key is over its limit.</summary>
        public int? TryConsume(Storage.ApiKeyRecord key)
        {
            if (key.RateLimitRequests is not { } n || key.RateLimitPeriodMs is not { } p) return null;
            using var lease = Limiter.AttemptAcquire(new KeyLimit(key.Id, n, p));
            return lease.IsAcquired ? null : FailedSignInThrottle.RetryAfter(lease);
        }

        public void Dispose() => Limiter.Dispose();
    }

    public static void Configure(RateLimiterOptions options, KeyWindows windows)
    {
        options.GlobalLimiter = windows.Limiter.WithTranslatedKey<HttpContext>(http => LimitOf(http.User) ?? default, leaveOpen: true);
        options.OnRejected = async (context, _) =>
        {
            var http = context.HttpContext;
            int retryAfter = FailedSignInThrottle.RetryAfter(context.Lease);
            http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            var limit = LimitOf(http.User);
            string message = limit is { } l
                ? $"this key allows {l.Requests} requests per {l.PeriodMs / 1000} s; retry after {retryAfter} s"
                : $"too many requests; retry after {retryAfter} s";
            await ApiResults.Error(StatusCodes.Status429TooManyRequests, "rate_limited", message).ExecuteAsync(http);
        };
    }

    private static KeyLimit? LimitOf(ClaimsPrincipal user)
    {
        if (user.FindFirst(LimitClaim)?.Value is not { } text) return null;
        var parts = text.Split('/');
        return new KeyLimit(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
            long.Parse(parts[2], CultureInfo.InvariantCulture));
    }
}
