using System.Security.Cryptography;
using System.Text;

namespace Herald.Dashboard;

/// <summary>Endpoint metadata: this unsafe endpoint may be called by the signed-in dashboard (cookie + CSRF token).</summary>
public sealed class DashboardWritesAllowed
{
    public static readonly DashboardWritesAllowed Instance = new();
}

/// <summary>
/// The rule for changes made from the dashboard. A request of an unsafe method (POST, PUT, DELETE, ...) without
/// <c>X-API-Key</c> is authenticated by the session cookie only when all of these hold: the endpoint allows dashboard writes
/// (<see cref="AllowDashboardWrites{TBuilder}"/>: acknowledging and resolving alerts), the request carries the session's CSRF
/// token in <see cref="CsrfHeader"/> (a page of another site can neither read the token nor set the header without a CORS
/// preflight Herald never grants), and its <c>Origin</c> (and <c>Sec-Fetch-Site</c>, when sent) name Herald itself. The key
/// inside the cookie then goes through the same checks as a header key, its scopes included.
/// </summary>
public static class DashboardWrites
{
    public const string CsrfHeader = "X-Herald-CSRF";

    public static TBuilder AllowDashboardWrites<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(DashboardWritesAllowed.Instance);

    public static bool Allowed(HttpContext http) => http.GetEndpoint()?.Metadata.GetMetadata<DashboardWritesAllowed>() is not null;

    /// <summary>Why a cookie-authenticated write is refused; null when it may go on.</summary>
    public static string? Refusal(HttpContext http, string? sessionCsrfToken)
    {
        if (!SameOrigin(http)) return "this request did not come from Herald's own page (Origin)";
        string site = http.Request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site != "same-origin") return "this request did not come from Herald's own page (Sec-Fetch-Site)";
        if (sessionCsrfToken is null) return "this session has no CSRF token: sign in again";
        string presented = http.Request.Headers[CsrfHeader].ToString();
        if (presented.Length == 0) return $"the {CsrfHeader} header is required for changes made with the dashboard session";
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(sessionCsrfToken))
            ? null
            : $"the {CsrfHeader} header does not match this session";
    }

    /// <summary>A browser names the origin of a page's request; an absent one (not a browser's cross-site request) passes, "null" does not.</summary>
    public static bool SameOrigin(HttpContext http)
    {
        string origin = http.Request.Headers.Origin.ToString();
        if (origin.Length == 0) return true;
        return origin != "null" && Uri.TryCreate(origin, UriKind.Absolute, out var o)
               && string.Equals(o.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
