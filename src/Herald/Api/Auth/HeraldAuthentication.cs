using Herald.Dashboard;
using Herald.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Herald.Api.Auth;

/// <summary>
/// Who may call what, on ASP.NET Core's own parts: an API-key scheme, delivery agents' token scheme and the dashboard's
/// cookie scheme behind one policy scheme that picks between them, a policy per scope, per-key rate limits, and forwarded headers from known proxies only.
/// </summary>
public static class HeraldAuthentication
{
    public const string SchemeName = "Herald";

    public static IServiceCollection AddHeraldAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var security = configuration.GetSection("Herald:Security").Get<SecurityOptions>() ?? new SecurityOptions();
        services.AddSingleton(security);
        services.AddSingleton<FailedSignInThrottle>();
        services.AddHttpContextAccessor();
        services.AddSingleton<ITicketStore>(sp => new DashboardTicketStore(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddAuthentication(SchemeName)
            .AddPolicyScheme(SchemeName, "API key or dashboard session", o => o.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, AgentTokenAuthenticationHandler>(AgentTokenAuthenticationHandler.SchemeName, null)
            .AddCookie(DashboardCookie.SchemeName);
        services.AddOptions<CookieAuthenticationOptions>(DashboardCookie.SchemeName)
            .Configure<ITicketStore>((o, sessions) => DashboardCookie.Configure(o, sessions));
        services.AddAuthorization(ScopePolicies.Add);
        services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        services.AddSingleton<IAuthorizationHandler, ClientAddressRequirementHandler>();
        services.AddSingleton<IAuthorizationHandler, DashboardCsrfRequirementHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuthorizationFailureResponder>();
        services.AddSingleton<KeyRateLimiting.KeyWindows>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<KeyRateLimiting.KeyWindows>(KeyRateLimiting.Configure);
        services.Configure<ForwardedHeadersOptions>(o => ConfigureForwardedHeaders(o, security));
        return services;
    }

    /// <summary>The request pipeline's front: forwarded headers from known proxies, routing, and the body limit of the route.</summary>
    public static WebApplication UseHeraldRouting(this WebApplication app)
    {
        // With no proxy named the middleware would believe any sender, so it only runs when proxies are named.
        if (!string.IsNullOrWhiteSpace(app.Services.GetRequiredService<SecurityOptions>().KnownProxies)) app.UseForwardedHeaders();
        app.UseRouting();
        app.UseRequestBodyLimits();
        return app;
    }

    /// <summary>Who is calling and what they may do: authentication, authorization, rate limits.</summary>
    public static WebApplication UseHeraldAuthentication(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// A header key always wins, then an agent's bearer token. Without either, the dashboard cookie authenticates safe methods, and unsafe ones only on the
    /// endpoints that allow dashboard writes (the CSRF requirement then checks origin and token).
    /// </summary>
    private static string SelectScheme(HttpContext http)
    {
        if (ApiKeyAuthenticationHandler.PresentedKey(http.Request) is not null) return ApiKeyAuthenticationHandler.SchemeName;
        if (AgentTokenAuthenticationHandler.PresentedToken(http.Request) is not null) return AgentTokenAuthenticationHandler.SchemeName;
        if (http.Request.Cookies.ContainsKey(DashboardCookie.CookieName)
            && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || DashboardWrites.Allowed(http)))
            return DashboardCookie.SchemeName;
        return ApiKeyAuthenticationHandler.SchemeName;
    }

    private static void ConfigureForwardedHeaders(ForwardedHeadersOptions o, SecurityOptions security)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        // Only the proxies named here are believed.
        o.KnownProxies.Clear();
        o.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list still holds loopback by default and is still consulted
        o.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
        foreach (var entry in (security.KnownProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IpAllowList.TryParseNetwork(entry, out var network)) o.KnownIPNetworks.Add(network);
            else throw new OptionsValidationException("Herald:Security:KnownProxies", typeof(SecurityOptions),
                [$"'{entry}' is neither an IP address nor a CIDR"]);
        }
    }
}
