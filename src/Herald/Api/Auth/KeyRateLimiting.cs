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

    public static void Configure(RateLimiterOptions options)
    {
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, KeyLimit>(http =>
        {
            if (LimitOf(http.User) is not { } limit) return RateLimitPartition.GetNoLimiter(default(KeyLimit));
            return RateLimitPartition.GetFixedWindowLimiter(limit, l => new FixedWindowRateLimiterOptions
            {
                PermitLimit = l.Requests,
                Window = TimeSpan.FromMilliseconds(l.PeriodMs),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
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
