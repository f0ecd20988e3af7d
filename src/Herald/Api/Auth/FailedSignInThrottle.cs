using System.Net;
using System.Threading.RateLimiting;
using Herald.Audit;
using Herald.Storage;

namespace Herald.Api.Auth;

/// <summary>The <c>Herald:Security</c> settings of authentication.</summary>
public sealed class SecurityOptions
{
    /// <summary>Failed key checks and sign-ins one remote address may make per <see cref="FailedAuthWindow"/> before 429.</summary>
    public int FailedAuthAttempts { get; set; } = 20;
    public TimeSpan FailedAuthWindow { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For and X-Forwarded-Proto are believed.</summary>
    public string? KnownProxies { get; set; }
    /// <summary>Addresses or CIDRs (comma-separated) admin keys may be used from; unset: anywhere.</summary>
    public string? AdminAllowedIps { get; set; }
}

/// <summary>
/// Throttles guessing: each remote address (an IPv6 address by its /64, which one host usually holds whole) may fail a key
/// check or a sign-in <see cref="SecurityOptions.FailedAuthAttempts"/> times per window; past that every key check and
/// sign-in from it is answered 429 until the window ends. Idle addresses are dropped by the rate limiter itself. The failure
/// that blocks an address writes an audit entry (once per window, not once per refused call).
/// </summary>
public sealed class FailedSignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly AuditTrail? _audit;
    private readonly TimeProvider _time;

    public FailedSignInThrottle(SecurityOptions options, AuditTrail? audit = null, TimeProvider? time = null)
    {
        _audit = audit;
        _time = time ?? TimeProvider.System;
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

    public void RecordFailure(HttpContext http)
    {
        string address = AddressOf(http);
        using var lease = _failures.AttemptAcquire(address);
        if (lease.IsAcquired && _audit is not null && _failures.GetStatistics(address)?.CurrentAvailablePermits == 0)
            _audit.Record(new AuditEntry(_time.GetUtcNow().ToUnixTimeMilliseconds(), null, AuditActors.Anonymous,
                AuditRequests.RemoteIp(http), "throttle", "sign-in", address, StatusCodes.Status429TooManyRequests, null));
    }

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
