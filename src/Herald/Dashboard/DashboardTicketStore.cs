using System.Globalization;
using System.Security.Cryptography;
using Herald.Api.Auth;
using Herald.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Herald.Dashboard;

/// <summary>
/// Keeps the dashboard's sign-in tickets in the store: the browser's cookie holds only a random session id (protected by
/// Data Protection), so signing out deletes the session for good and a copied cookie stops working at once.
/// </summary>
public sealed class DashboardTicketStore(ISessionStore store, TimeProvider time) : ITicketStore
{
    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        string id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        store.DeleteExpiredSessions(now);
        Save(id, ticket, now);
        return Task.FromResult(id);
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        Save(key, ticket, time.GetUtcNow().ToUnixTimeMilliseconds());
        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        var bytes = store.FindSession(key, time.GetUtcNow().ToUnixTimeMilliseconds());
        return Task.FromResult(bytes is null ? null : TicketSerializer.Default.Deserialize(bytes));
    }

    public Task RemoveAsync(string key)
    {
        store.DeleteSession(key);
        return Task.CompletedTask;
    }

    private void Save(string id, AuthenticationTicket ticket, long now)
    {
        int keyId = int.Parse(ticket.Principal.FindFirst(HeraldClaims.KeyId)!.Value, CultureInfo.InvariantCulture);
        long expires = (ticket.Properties.ExpiresUtc ?? time.GetUtcNow() + DashboardCookie.Lifetime).ToUnixTimeMilliseconds();
        store.SaveSession(id, keyId, TicketSerializer.Default.Serialize(ticket), now, expires);
    }
}

/// <summary>The dashboard's cookie authentication scheme: name, lifetime, cookie flags, and the key check on every request.</summary>
public static class DashboardCookie
{
    public const string SchemeName = "Dashboard";
    public const string CookieName = "herald_session";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public static void Configure(CookieAuthenticationOptions o, ITicketStore sessions)
    {
        o.Cookie.Name = CookieName;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        // Secure whenever the request is HTTPS, as the forwarded-headers middleware sees it behind a known proxy.
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.Cookie.Path = "/";
        o.Cookie.IsEssential = true;
        o.ExpireTimeSpan = Lifetime;
        o.SlidingExpiration = false;
        o.SessionStore = sessions;
        o.Events.OnValidatePrincipal = ValidateKey;
        // Herald answers refusals itself (AuthorizationFailureResponder); the scheme never redirects.
        o.Events.OnRedirectToLogin = c => { c.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
        o.Events.OnRedirectToAccessDenied = c => { c.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
    }

    /// <summary>The key behind a session is checked on every request like a header key: revoking it ends the session.</summary>
    private static async Task ValidateKey(CookieValidatePrincipalContext context)
    {
        var keys = context.HttpContext.RequestServices.GetRequiredService<ApiKeyService>();
        var principal = context.Principal;
        var key = principal?.FindFirst(HeraldClaims.KeyId)?.Value is { } id && int.TryParse(id, CultureInfo.InvariantCulture, out int keyId)
            ? keys.ValidateById(keyId)
            : null;
        if (key is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SchemeName);
            return;
        }
        keys.RecordUse(key.Id);
        var claims = HeraldClaims.Of(key);
        if (principal!.FindFirst(HeraldClaims.CsrfToken) is { } csrf) claims.Add(new(HeraldClaims.CsrfToken, csrf.Value));
        context.ReplacePrincipal(new(new System.Security.Claims.ClaimsIdentity(claims, SchemeName)));
    }
}
