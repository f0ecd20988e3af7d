using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Herald.Dashboard;

/// <summary>
/// The dashboard's sign-in: the API key, encrypted and authenticated by ASP.NET Core Data Protection (its keys kept
/// under Herald's data directory, so sessions survive a restart), in an HttpOnly, SameSite=Strict cookie that expires
/// after <see cref="Lifetime"/>. The key inside is validated again on every request like a header key, so revoking it
/// ends the session. The cookie is only accepted for safe methods (GET, HEAD): see <c>ApiKeyEndpointFilter</c>.
/// </summary>
public sealed class DashboardSession
{
    public const string CookieName = "herald_session";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private readonly ITimeLimitedDataProtector _protector;

    public DashboardSession(IDataProtectionProvider provider) =>
        _protector = provider.CreateProtector("Herald.Dashboard.Session.v1").ToTimeLimitedDataProtector();

    public void SignIn(HttpContext http, string apiKey) =>
        http.Response.Cookies.Append(CookieName, _protector.Protect(apiKey, Lifetime), Options(http));

    public void SignOut(HttpContext http) => http.Response.Cookies.Delete(CookieName, Options(http));

    /// <summary>The API key of the request's session cookie; null without one, or when it is forged or expired.</summary>
    public string? KeyOf(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value)) return null;
        try
        {
            return _protector.Unprotect(value);
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
