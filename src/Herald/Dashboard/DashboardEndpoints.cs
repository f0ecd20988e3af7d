using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Encodings.Web;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Engine;
using Herald.Hosting;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Tenancy;

namespace Herald.Dashboard;

public sealed record DashboardTeamDto(string Id, string Name);

/// <param name="CsrfToken">The session's token for the <c>X-Herald-CSRF</c> header of the dashboard's changes (acknowledge,
/// resolve); null when the caller is not signed in with the dashboard cookie (an <c>X-API-Key</c> caller needs none).</param>
public sealed record DashboardSessionDto(
    string KeyPrefix, bool IsAdmin, DashboardTeamDto? Team, IReadOnlyList<DashboardTeamDto> Teams, IReadOnlyList<string> Scopes,
    long UptimeSeconds, DateTimeOffset ServerTime, string? CsrfToken);

/// <summary>The live stream's filters and summary window; the window always ends now.</summary>
public sealed class StreamParameters : DimensionFilterParameters
{
    [FromQuery(Name = "window"), Description("The span of each tick's summary, ending now (1h, 24h, 7d, 30d, or the same in minutes). Default: 24h.")]
    [AllowedValues("1h", "24h", "7d", "30d", "60", "1440", "10080", "43200")]
    public string? Window { get; init; }

    /// <summary>The window in minutes.</summary>
    public int WindowMinutes => Window switch
    {
        "1h" or "60" => 60,
        "7d" or "10080" => 10080,
        "30d" or "43200" => 43200,
        _ => 1440,
    };
}

/// <summary>
/// The web dashboard at <c>/monitoring</c> (sign-in, the page and its files, sign-out), its session endpoint and the live
/// stream <c>GET /api/v1/stream</c> (Server-Sent Events).
/// </summary>
public static class DashboardEndpoints
{
    public static IServiceCollection AddHeraldDashboard(this IServiceCollection services, HeraldOptions options)
    {
        // The data directory already holds the store and the OTP key file in clear: its file permissions protect the
        // session keys too, so Data Protection's "no XML encryptor" warning is only noise here.
        services.AddLogging(b => b.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error));
        services.AddDataProtection()
            .SetApplicationName("Herald")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataDir, "dataprotection-keys")));
        services.AddSingleton<DashboardAssets>();
        services.AddSingleton<LiveActivity>();
        services.AddSingleton<ActivityDetails>();
        services.AddSingleton<IIngestObserver>(sp => sp.GetRequiredService<LiveActivity>());
        services.AddSingleton<LiveHub>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveHub>());
        return services;
    }

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/monitoring").ExcludeFromDescription();
        pages.MapGet("", Overview);
        pages.MapGet("/login", LoginPage);
        pages.MapPost("/login", SignIn).DisableAntiforgery();
        pages.MapPost("/logout", SignOut).DisableAntiforgery();
        pages.MapGet("/assets/{*path}", Asset);

        app.MapGet("/api/v1/dashboard/session", Session).RequireScope(Scopes.MetricsRead).WithTags("Dashboard")
            .WithSummary("Who the caller is: the key's team (or every team, for an admin key) and the process uptime");
        app.MapGet("/api/v1/stream", Stream).RequireScope(Scopes.MetricsRead).WithTags("Dashboard").WithMetadata(new Monitoring.LongLivedRequests())
            .WithSummary("Server-Sent Events: a 'tick' with current figures at most once a second and 'activity' with recent events of the caller's teams")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    private static async Task Overview(HttpContext http, DashboardAssets assets)
    {
        if (!SignedIn(http))
        {
            http.Response.Redirect("/monitoring/login");
            return;
        }
        SecurityHeaders(http);
        await assets.ServeAsync(http, assets.Find("index.html")!, revalidate: true);
    }

    private static async Task LoginPage(HttpContext http, DashboardAssets assets)
    {
        if (SignedIn(http))
        {
            http.Response.Redirect("/monitoring");
            return;
        }
        await WriteLogin(http, assets, null, StatusCodes.Status200OK);
    }

    private static async Task SignIn(HttpContext http, DashboardAssets assets, ApiKeyService keys, FailedSignInThrottle throttle, TimeProvider time)
    {
        // A browser's form post names its origin; one from another site is refused (no login CSRF).
        if (!DashboardWrites.SameOrigin(http))
        {
            await WriteLogin(http, assets, "This sign-in did not come from Herald's own page.", StatusCodes.Status403Forbidden);
            return;
        }
        if (throttle.IsBlocked(http, out int retryAfter))
        {
            http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteLogin(http, assets, $"Too many failed sign-ins from this address; try again in {retryAfter} s.", StatusCodes.Status429TooManyRequests);
            return;
        }
        string key = "";
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            key = form["api_key"].ToString().Trim();
        }
        if (key.Length == 0)
        {
            await WriteLogin(http, assets, "Enter an API key.", StatusCodes.Status400BadRequest);
            return;
        }
        var record = keys.Validate(key);
        if (record is null)
        {
            throttle.RecordFailure(http);
            await WriteLogin(http, assets, "That API key is unknown, revoked or expired.", StatusCodes.Status401Unauthorized);
            return;
        }
        var caller = Caller.Of(record);
        if (!caller.Has(Scopes.MetricsRead))
        {
            await WriteLogin(http, assets, "That key lacks the metrics:read scope the dashboard needs.", StatusCodes.Status403Forbidden);
            return;
        }
        var claims = HeraldClaims.Of(record);
        claims.Add(new(HeraldClaims.CsrfToken, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_')));
        await http.SignInAsync(DashboardCookie.SchemeName, new ClaimsPrincipal(new ClaimsIdentity(claims, DashboardCookie.SchemeName)),
            new AuthenticationProperties { IsPersistent = true, ExpiresUtc = time.GetUtcNow() + DashboardCookie.Lifetime });
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = "/monitoring";
    }

    private static async Task SignOut(HttpContext http)
    {
        // Deletes the server-side session, so a copy of the cookie no longer works either. A cross-site form cannot sign
        // anyone out: the SameSite=Strict cookie is not even sent with it.
        await http.SignOutAsync(DashboardCookie.SchemeName);
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = "/monitoring/login";
    }

    private static async Task Asset(string path, HttpContext http, DashboardAssets assets)
    {
        if (path.EndsWith(".html", StringComparison.Ordinal) || assets.Find(path) is not { } asset)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await assets.ServeAsync(http, asset, revalidate: !path.StartsWith("vendor/", StringComparison.Ordinal));
    }

    private static Ok<SuccessEnvelope<DashboardSessionDto>> Session(HttpContext http, TeamDirectory teams, LiveHub hub, TimeProvider time)
    {
        var caller = http.Caller();
        http.Response.Headers.CacheControl = "no-store"; // it carries the session's CSRF token
        var own = caller.TeamId is { } id ? teams.ById(id) : null;
        var visible = caller.TeamId is null ? teams.All : own is null ? [] : [own];
        string prefix = http.User.FindFirst(HeraldClaims.KeyPrefix)?.Value ?? "";
        string? csrf = http.User.FindFirst(HeraldClaims.CsrfToken)?.Value;
        return ApiResults.Ok(new DashboardSessionDto(
            prefix, caller.IsAdmin,
            own is null ? null : new DashboardTeamDto(own.PublicId, own.Name),
            visible.Select(t => new DashboardTeamDto(t.PublicId, t.Name)).OrderBy(t => t.Name, StringComparer.Ordinal).ToList(),
            caller.Scopes.Order(StringComparer.Ordinal).ToList(), hub.UptimeSeconds,
            time.GetUtcNow(), csrf));
    }

    private static async Task Stream([AsParameters] StreamParameters parameters, HttpContext http, LiveHub hub, IHostApplicationLifetime lifetime)
    {
        var parts = parameters.Values();
        var filter = parameters.Filter();
        int window = parameters.WindowMinutes;
        var teams = parameters.Teams(http);

        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        using var subscription = hub.Subscribe(new LiveQuery(teams, filter, parts, window));
        try
        {
            // The browser reconnects 2 s after a dropped connection.
            await response.WriteAsync(": herald live stream\nretry: 2000\n\n", stop.Token);
            await response.Body.FlushAsync(stop.Token);
            await foreach (var frame in subscription.Frames.Reader.ReadAllAsync(stop.Token))
            {
                await response.WriteAsync(frame, stop.Token);
                await response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Whether the request's dashboard session (validated by the cookie scheme) holds a key that may read metrics.</summary>
    private static bool SignedIn(HttpContext http) => HeraldClaims.CallerOf(http.User) is { } caller && caller.Has(Scopes.MetricsRead);

    private static async Task WriteLogin(HttpContext http, DashboardAssets assets, string? error, int status)
    {
        SecurityHeaders(http);
        string html = assets.Text("login.html").Replace("{{error}}", error is null
            ? ""
            : $"<p class=\"login-error\" role=\"alert\" id=\"login-error\">{HtmlEncoder.Default.Encode(error)}</p>", StringComparison.Ordinal);
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsync(html, http.RequestAborted);
    }

    private static void SecurityHeaders(HttpContext http)
    {
        var h = http.Response.Headers;
        h.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
        h.XFrameOptions = "DENY";
        h.XContentTypeOptions = "nosniff";
        h["Referrer-Policy"] = "same-origin"; // not no-referrer: chromium then sends "Origin: null" with the sign-in form
    }
}
