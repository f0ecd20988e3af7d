using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Herald.Api.Auth;

/// <summary>
/// Authenticates <c>X-API-Key</c> (or <c>Authorization: Bearer</c> with an API key) before any body is read. A key that is
/// unknown, revoked or expired fails and counts against the remote address in <see cref="FailedSignInThrottle"/>; an
/// address that failed too often fails at once with a throttled reason. What the caller is answered is written by
/// <see cref="AuthorizationFailureResponder"/>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyService keys, FailedSignInThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = PresentedKey(Request);
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());
        if (throttle.IsBlocked(Context, out int retryAfter)) return Fail(new ThrottledException(retryAfter));
        var key = keys.Validate(presented);
        if (key is null)
        {
            throttle.RecordFailure(Context);
            return Fail(new UnknownKeyException());
        }
        keys.RecordUse(key.Id);
        var principal = new ClaimsPrincipal(new ClaimsIdentity(HeraldClaims.Of(key), SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    /// <summary>
    /// The authentication middleware keeps only successful results; the failure is kept on the request as well so that
    /// <see cref="AuthorizationFailureResponder"/> can say why.
    /// </summary>
    private Task<AuthenticateResult> Fail(Exception why) => AuthenticationFailure.Fail(Context, why);

    /// <summary>The key a request presents: the <c>X-API-Key</c> header, else an API key as a bearer token; null when none.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        string header = request.Headers[HeaderName].ToString();
        if (header.Length > 0) return header;
        string authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer " + ApiKeyService.KeyPrefix, StringComparison.Ordinal)) return authorization[7..].Trim();
        return null;
    }
}

/// <summary>Where a failed authentication's reason is kept on the request (<c>HttpContext.Items</c>).</summary>
public static class AuthenticationFailure
{
    public static Exception? Of(HttpContext http) => http.Items.TryGetValue(typeof(AuthenticationFailure), out var why) ? why as Exception : null;

    /// <summary>A failed authentication, kept on the request as well: the middleware keeps only successful results.</summary>
    public static Task<AuthenticateResult> Fail(HttpContext http, Exception why)
    {
        http.Items[typeof(AuthenticationFailure)] = why;
        return Task.FromResult(AuthenticateResult.Fail(why));
    }
}

public sealed class UnknownKeyException() : Exception("the API key is unknown, inactive, revoked or expired");

/// <summary>An authentication that failed because the remote address is throttled, with the seconds it must wait.</summary>
public sealed class ThrottledException(int retryAfterSeconds)
    : Exception($"too many failed sign-ins from this address; retry after {retryAfterSeconds} s")
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}
