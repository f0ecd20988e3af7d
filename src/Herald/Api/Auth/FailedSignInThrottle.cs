using System.Net;
using System.Threading.RateLimiting;

namespace Herald.Api.Auth;

/// <summary>The <c>Herald:Security</c> settings of authentication.</summary>
public sealed class SecurityOptions
{
    /// <summary>Failed key checks and sign-ins one remote address may make per <see cref="FailedAuthWindow"/> before 429.</summary>
    public int FailedAuthAttempts { get; set; } = 20;
    public TimeSpan FailedAuthWindow { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For and X-Forwarded-Proto are believed.</summary>
    public string? KnownProxies { get; set; }
}

/// <summary>
/// Throttles guessing: each remote address (an IPv6 address by its /64, which one host usually holds whole) may fail a key
/// check or a sign-in <see cref="SecurityOptions.FailedAuthAttempts"/> times per window; past that every key check and
/// sign-in from it is answered 429 until the window ends. Idle addresses are dropped by the rate limiter itself.
/// </summary>
public sealed class FailedSignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;

    public FailedSignInThrottle(SecurityOptions options)
    {
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ =>
            new FixedWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, options.FailedAuthAttempts),
                Window = options.FailedAuthWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Whether this address has used up its failures; then the seconds until it may try again.</summary>
    public bool IsBlocked(HttpContext http, out int retryAfterSeconds)
    {
        using var lease = _failures.AttemptAcquire(AddressOf(http), 0);
        retryAfterSeconds = lease.IsAcquired ? 0 : RetryAfter(lease);
        return !lease.IsAcquired;
    }

    public void RecordFailure(HttpContext http) => _failures.AttemptAcquire(AddressOf(http)).Dispose();

    public static int RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;

    private static string AddressOf(HttpContext http)
    {
        var ip = http.Connection.RemoteIpAddress;
        if (ip is null) return "-";
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return ip.ToString();
        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public void Dispose() => _failures.Dispose();
}
