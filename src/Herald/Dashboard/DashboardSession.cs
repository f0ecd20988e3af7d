using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Herald.Dashboard;

/// <summary>
/// The dashboard's sign-in: the API key and a random per-session CSRF token, encrypted and authenticated by ASP.NET Core
/// Data Protection (its keys kept under Herald's data directory, so sessions survive a restart), in an HttpOnly,
/// SameSite=Strict cookie that expires after <see cref="Lifetime"/>. The key inside is validated again on every request
/// like a header key, so revoking it ends the session. The cookie authenticates safe methods (GET, HEAD); an unsafe
/// request is accepted only by the endpoints that allow dashboard writes, and only with the session's CSRF token in
/// <see cref="DashboardWrites.CsrfHeader"/> from Herald's own origin: see <see cref="DashboardWrites"/>.
/// </summary>
public sealed class DashboardSession
{
    public const string CookieName = "herald_session";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private const char Separator = '\n';
    private readonly ITimeLimitedDataProtector _protector;
    // Cookies written before sessions carried a CSRF token: still a valid sign-in for reading, never for writing.
    private readonly ITimeLimitedDataProtector _keyOnlyProtector;

    public sealed record Contents(string ApiKey, string? CsrfToken);

    public DashboardSession(IDataProtectionProvider provider)
    {
        _protector = provider.CreateProtector("Herald.Dashboard.Session.v2").ToTimeLimitedDataProtector();
        _keyOnlyProtector = provider.CreateProtector("Herald.Dashboard.Session.v1").ToTimeLimitedDataProtector();
    }

    public void SignIn(HttpContext http, string apiKey)
    {
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        http.Response.Cookies.Append(CookieName, _protector.Protect(token + Separator + apiKey, Lifetime), Options(http));
    }

    public void SignOut(HttpContext http) => http.Response.Cookies.Delete(CookieName, Options(http));

    /// <summary>The API key of the request's session cookie; null without one, or when it is forged or expired.</summary>
    public string? KeyOf(HttpContext http) => Read(http)?.ApiKey;

    /// <summary>The key and CSRF token of the request's session cookie; null without one, or when it is forged or expired.</summary>
    public Contents? Read(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value)) return null;
        try
        {
            string text = _protector.Unprotect(value);
            int cut = text.IndexOf(Separator);
            return cut <= 0 ? null : new Contents(text[(cut + 1)..], text[..cut]);
        }
        catch (CryptographicException)
        {
        }
        try
        {
            return new Contents(_keyOnlyProtector.Unprotect(value), null);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static CookieOptions Options(HttpContext http) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = "/",
        MaxAge = Lifetime,
        IsEssential = true,
    };
}
